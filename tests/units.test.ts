// Pure pieces, without a server: parsing, normalization, paths, member diffs, log lines.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseFrame } from "../src/protocol/inbound.ts";
import { normalizeServer } from "../src/protocol/normalize.ts";
import { toRootPath } from "../src/http/safe-path.ts";
import { etagMatches } from "../src/http/static.ts";
import { contentType } from "../src/http/mime.ts";
import { hasSocketURL } from "../src/http/dzone-redirect.ts";
import { parseCommand } from "../src/cli/parse.ts";
import { isIP } from "node:net";
import { Guild } from "../src/state/guild.ts";
import { format } from "../src/log.ts";
import { secretEquals } from "../src/secret.ts";

describe("normalizeServer", () => {
  for (const [input, expected] of [
    [undefined, "default"],
    [null, "default"],
    ["", "default"],
    ["   ", "default"],
    [" docs ", "docs"],
    [42, "42"],
    [0, "0"],
    ["default", "default"],
  ] as const) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizeServer(input), expected));
  }
});

describe("parseFrame", () => {
  it("keeps only the fields d-back reads", () => {
    const parsed = parseFrame(JSON.stringify({
      type: "connect",
      data: { server: "x", extra: 1, discordUser: { id: "1", username: "u", avatar: "a" } },
    }));
    assert.deepEqual(parsed, { ok: true, message: { type: "connect", data: { server: "x", discordUser: { id: "1", username: "u" } } } });
  });

  it("reads UTF-8 in any binary view", () => {
    const bytes = new TextEncoder().encode('xx{"type":"connect","data":{}}');
    assert.equal(parseFrame(bytes.subarray(2)).ok, true);
    assert.equal(parseFrame(bytes.buffer.slice(2)).ok, true);
  });

  it("survives deep nesting", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const parsed = parseFrame(deep);
    assert.equal(parsed.ok, false);
  });
});

describe("toRootPath", () => {
  for (const [raw, expected] of [
    ["/", "index.html"],
    ["", "index.html"],
    ["/img/", "img/index.html"],
    ["/static/bundle.js", "static/bundle.js"],
    ["/a%20b.png", "a b.png"],
    ["/./x.js", "x.js"],
    ["//x.js", "x.js"],
    ["/..", null],
    ["/a/../b", null],
    ["/%2e%2e/x", null],
    ["/a%2fb", null],
    ["/a%5cb", null],
    ["/a\\b", null],
    ["/a%00", null],
    ["/C:/x", null],
    ["/.git/config", null],
    ["/%E0%A4%A", null],
  ] as const) {
    it(`${JSON.stringify(raw)} → ${JSON.stringify(expected)}`, () => assert.equal(toRootPath(raw), expected));
  }
});

describe("etagMatches", () => {
  it("compares weakly, in lists, and with *", () => {
    assert.ok(etagMatches('"a"', '"a"'));
    assert.ok(etagMatches('W/"a"', '"a"'));
    assert.ok(etagMatches('"b", W/"a"', 'W/"a"'));
    assert.ok(etagMatches("*", '"a"'));
    assert.ok(!etagMatches('"b"', '"a"'));
    assert.ok(!etagMatches(undefined, '"a"'));
  });
});

describe("contentType", () => {
  it("knows d-zone's files and defaults to octet-stream", () => {
    assert.equal(contentType("a/b.PNG"), "image/png");
    assert.equal(contentType("bundle.js.map"), "application/json");
    assert.equal(contentType("README"), "application/octet-stream");
    assert.equal(contentType("notes.md"), "text/markdown; charset=utf-8");
    assert.equal(contentType("sound.wav"), "audio/wav");
  });
});

describe("hasSocketURL", () => {
  it("agrees with URLSearchParams on plain, escaped and look-alike queries", () => {
    for (
      const search of [
        "", "?socketURL=ws%3A%2F%2Fx%2F", "?a=1&socketURL=x", "?socketURL", "?socketURL&b", "?socket%55RL=x",
        "?xsocketURL=1", "?socketURLx=1", "?a=socketURL", "?socket+URL=1", "?socketurl=1", "?%73ocketURL",
      ]
    ) assert.equal(hasSocketURL(search), new URLSearchParams(search).has("socketURL"), search);
  });
});

describe("--trust-proxy", () => {
  it("takes exactly the addresses node:net's isIP takes", async () => {
    for (
      const address of [
        "127.0.0.1", "0.0.0.0", "::1", "::", "::ffff:1.2.3.4", "fe80::1%eth0", "2001:db8::1", "a:b:c:d:e:f:1.2.3.4",
        "1.2.3", "256.1.1.1", "01.2.3.4", "[::1]", "10.0.0.1/8", "1::2::3", "a:b:c:d:e:1.2.3.4", "a:b:c:d:e:f:1.2.3.256", "nginx.local",
      ]
    ) {
      let accepted = true;
      try {
        await parseCommand(["--trust-proxy", address], {});
      } catch {
        accepted = false;
      }
      assert.equal(accepted, isIP(address) !== 0, address);
    }
  });
});

describe("Guild", () => {
  const info = { guildId: "g", id: "s", name: "G", default: true, passworded: false };
  const user = (uid: string, status: "online" | "idle" = "online") => ({ uid, username: `u${uid}`, status, roleColor: "#000000" });

  it("reports no diff on first load, then exactly what joined, changed or left", () => {
    const guild = new Guild(info);
    assert.deepEqual(guild.setMembers({ a: user("a"), b: user("b"), c: user("c") }), []);
    const diff = guild.setMembers({ a: user("a"), b: user("b", "idle"), d: user("d") });
    assert.deepEqual(diff, [
      { uid: "b", status: "idle", username: "ub", roleColor: "#000000" },
      { uid: "d", status: "online", username: "ud", roleColor: "#000000" },
      { uid: "c", status: "offline", delete: true },
    ]);
  });

  it("reuses its join frame until a member changes", () => {
    const guild = new Guild(info);
    guild.setMembers({ a: user("a") });
    const first = guild.joinFrame("default");
    assert.equal(guild.joinFrame("default"), first);
    assert.deepEqual(JSON.parse(first).data.request, { server: "default" });
    assert.equal(JSON.parse(guild.joinFrame("s")).data.request.server, "s");
    assert.equal(guild.applyPresence({ uid: "a", status: "online" }), false, "same status changes nothing");
    assert.equal(guild.joinFrame("default"), first);
    assert.equal(guild.applyPresence({ uid: "a", status: "idle" }), true);
    assert.equal(JSON.parse(guild.joinFrame("default")).data.users.a.status, "idle");
  });

  it("keeps an updated client id when the source repeats its old one, takes one the source changed", () => {
    const guild = new Guild({ ...info, clientId: "from-source" });
    guild.setClientId("updated");
    guild.setInfo({ ...info, clientId: "from-source" });
    assert.equal(guild.clientId, "updated");
    guild.setInfo({ ...info, clientId: "changed-at-source" });
    assert.equal(guild.clientId, "changed-at-source");
  });

  it("adds a named newcomer, ignores an unnamed one, deletes on delete", () => {
    const guild = new Guild(info);
    guild.setMembers({});
    assert.equal(guild.applyPresence({ uid: "x", status: "online" }), false);
    assert.equal(guild.applyPresence({ uid: "x", status: "online", username: "X" }), true);
    assert.equal(guild.member("x")?.roleColor, "#ffffff");
    assert.equal(guild.applyPresence({ uid: "x", status: "offline", delete: true }), true);
    assert.equal(guild.member("x"), undefined);
  });
});

describe("log format", () => {
  it("is one line with quoted values where needed", () => {
    const line = format("info", "viewer joined", { guild: "1", name: "two words", skip: undefined, n: 3 });
    assert.match(line, /^\S+Z INFO viewer joined guild=1 name="two words" n=3$/);
  });
});

describe("secretEquals", () => {
  it("compares by value, any length", () => {
    assert.ok(secretEquals("hunter2", "hunter2"));
    assert.ok(!secretEquals("hunter2", "hunter3"));
    assert.ok(!secretEquals("", "x"));
  });
});
