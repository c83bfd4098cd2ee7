// The config file's parts in-process: the JSON reader, the discord section's schema and short ids,
// and parseCommand's layering of flag, environment, file and default.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { readJson } from "../src/cli/read-json.ts";
import { parseCommand } from "../src/cli/parse.ts";
import { ConfigError } from "../src/cli/usage-error.ts";
import { DiscordSettings, guildSettings, ShortId, shortIds, slug } from "../src/sources/discord/guild-settings.ts";
import { configFolder, readmeConfigExample } from "./helpers/config.ts";

describe("readJson", () => {
  it("reads what JSON.parse reads, a leading byte-order mark too", () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {}}', "[]", "0", '"x"', "\uFEFF{}"]) {
      assert.deepEqual(readJson(text), { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, "")) });
    }
  });

  for (const [text, error] of [
    ['{\n  "a": 1,\n}', "line 3, column 1: a comma before '}' (JSON allows none)"],
    ['{"a" 1}', "line 1, column 6: expected ':' after the key"],
    ['{\n"a": tru}', "line 2, column 6: expected a value"],
    ['{"a": [1 2]}', "line 1, column 10: expected ',' or ']'"],
    ['{"a": 1 "b": 2}', "line 1, column 9: expected ',' or '}'"],
    ['{"a": "open', "line 1, column 7: a string that never ends"],
    ['{"a": "line\nbreak"}', "line 1, column 12: a line break or control character inside a string"],
    ['{"a": "\\x"}', "line 1, column 8: a backslash that starts no valid escape"],
    ["// a comment\n{}", "line 1, column 1: a comment (JSON has none)"],
    ["{} {}", "line 1, column 4: more text after the end of the JSON value"],
    ["", "line 1, column 1: the file ends where a value should be"],
    ['{"port": 1,\n "port": 2}', 'line 2, column 2: the key "port" appears twice in one object'],
    ['{"é": é}', "line 1, column 7: expected a value"],
    ["{a: 1}", "line 1, column 2: expected a key in double quotes"],
  ] as const) {
    it(`says where ${JSON.stringify(text)} goes wrong`, () => {
      const read = readJson(text);
      assert.equal(read.ok, false);
      assert.ok(!read.ok && read.error.startsWith(`not valid JSON at ${error}`), !read.ok ? read.error : "");
    });
  }

  it("never quotes the text it refuses", () => {
    for (const text of ['{"ingest-token": sekrit-sekrit-sekrit}', '{"ingest-token": "sekrit-sekrit\\q"}', '{"sekrit-sekrit": 1, "sekrit-sekrit": 2}']) {
      const read = readJson(text);
      assert.ok(!read.ok && !read.error.includes("sekrit-sekrit\\q") && !/sekrit-sekrit-sekrit/.test(read.error), JSON.stringify(read));
    }
  });

  it("agrees with JSON.parse on thousands of damaged texts", () => {
    const good = JSON.stringify({ port: 3000, "trust-proxy": ["::1", "10.0.0.1"], discord: { guilds: { "12": { id: "a-b", default: true } } }, x: -1.5e-3, y: null });
    let seed = 42;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const alphabet = '{}[]:,"\\ .-+eE0123456789tfnrul/\n';
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      let text = good;
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length + 1);
        const cut = random(2);
        text = text.slice(0, at) + (random(3) ? alphabet[random(alphabet.length)] : "") + text.slice(at + cut);
      }
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      const read = readJson(text);
      if (!read.ok && read.error.includes("appears twice")) continue;
      assert.equal(read.ok, parses, text);
      if (!parses) refused++;
    }
    assert.ok(refused > 1000, `most damaged texts are refused (${refused})`);
  });

  it("refuses very deep nesting with a message, not a crash", () => {
    const read = readJson("[".repeat(100_000));
    assert.ok(!read.ok && read.error.endsWith("nested too deeply"));
  });
});

const settings = (input: unknown) => v.parse(DiscordSettings, input);
const issue = (input: unknown) => {
  const result = v.safeParse(DiscordSettings, input);
  assert.equal(result.success, false);
  return `${v.getDotPath(result.issues![0])} ${result.issues![0].message}`;
};

describe("discord settings", () => {
  it("an empty section shows every guild, hides bots, shows offline members", () => {
    assert.deepEqual(settings({}), { hideBots: true, hideOffline: false, guilds: {} });
  });

  it("a guild's own settings win over the section's; a password makes a guild passworded", () => {
    const s = settings({ hideOffline: true, guilds: { "1": { password: "pw", hideBots: false }, "2": { passworded: true } } });
    assert.deepEqual(guildSettings(s, "1"), { passworded: true, password: "pw", hideBots: false, hideOffline: true, default: false });
    assert.deepEqual(guildSettings(s, "2"), { passworded: true, password: undefined, hideBots: true, hideOffline: true, default: false });
    assert.deepEqual(guildSettings(s, "3"), { passworded: false, password: undefined, hideBots: true, hideOffline: true, default: false });
  });

  for (const [input, expected] of [
    [[], "null must be an object"],
    [{ guilds: [] }, "guilds must be an object keyed by guild id"],
    [{ guilds: { "1": [] } }, "guilds.1 must be an object"],
    [{ guilds: { general: {} } }, "guilds.general must be a Discord id (digits)"],
    [{ guilds: { "1": { pasword: "x" } } }, "guilds.1.pasword is not a known key (did you mean password?)"],
    [{ guilds: { "1": { "hide-bots": true } } }, "guilds.1.hide-bots is not a known key (did you mean hideBots?)"],
    [{ guilds: { "1": { colour: "red" } } }, "guilds.1.colour is not a known key"],
    [{ hidebots: true }, "hidebots is not a known key (did you mean hideBots?)"],
    [{ only: "1" }, "only must be a list of Discord guild ids"],
    [{ guilds: { "1": { id: "Town Square" } } }, "guilds.1.id must be 1 to 63 lower-case letters, digits or dashes"],
    [{ guilds: { "1": { id: "default" } } }, `guilds.1.id must not be "default" (d-zone's word for the default guild)`],
    [{ guilds: { "1": { id: "a" }, "2": { id: "a" } } }, "guilds.2.id is guild 1's id too; short ids must be unique"],
    [{ guilds: { "1": { default: true }, "2": { default: false }, "3": { default: true } } }, "guilds.3.default is true for guild 1 too; only one guild can be the default"],
  ] as const) {
    it(`refuses ${JSON.stringify(input)}: ${expected}`, () => assert.equal(issue(input), expected));
  }
});

describe("shortIds", () => {
  const none = settings({});
  const guilds = [
    { guildId: "300000000000000003", name: "Town Square" },
    { guildId: "100000000000000001", name: "Town  Square!" },
    { guildId: "200000000000000002", name: "town-square" },
    { guildId: "400000000000000004", name: "Café Über" },
    { guildId: "500000000000000005", name: "🎮🎮" },
    { guildId: "600000000000000006", name: "Default" },
    { guildId: "700000000000000007", name: "x".repeat(100) },
  ];

  it("are readable slugs of the names; the older guild keeps a clashing slug, the others add the end of their id", () => {
    assert.deepEqual(Object.fromEntries(shortIds(guilds, none)), {
      "100000000000000001": "town-square",
      "200000000000000002": "town-square-0002",
      "300000000000000003": "town-square-0003",
      "400000000000000004": "cafe-uber",
      "500000000000000005": "guild",
      "600000000000000006": "default-0006",
      "700000000000000007": "x".repeat(32),
    });
  });

  it("do not depend on the order guilds arrive in", () => {
    const expected = shortIds(guilds, none);
    let seed = 7;
    for (let round = 0; round < 50; round++) {
      const shuffled = [...guilds].sort(() => (seed = (seed * 16807) % 2147483647) % 3 - 1);
      assert.deepEqual(shortIds(shuffled, none), expected);
    }
  });

  it("are unique and valid short ids even when many guilds share a name and digits", () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ guildId: String(10_000 + (i % 30) * 10_000 + i), name: i % 2 ? "Same" : "" }));
    many.push({ guildId: "1", name: "same" }, { guildId: "12", name: "same-0012" }, { guildId: "9", name: "Same 9" });
    const ids = [...shortIds(many, none).values()];
    assert.equal(new Set(ids).size, many.length);
    for (const id of ids) assert.ok(v.is(ShortId, id), id);
  });

  it("when the last four digits clash too, take more", () => {
    const ids = shortIds([{ guildId: "11110000", name: "Fun" }, { guildId: "11120000", name: "Fun" }, { guildId: "10000000", name: "Fun" }], none);
    assert.deepEqual(Object.fromEntries(ids), { "10000000": "fun", "11110000": "fun-0000", "11120000": "fun-20000" });
  });

  it("configured ids win, and stay reserved while their guild is away", () => {
    const s = settings({ guilds: { "900": { id: "fun" }, "5": { id: "lobby" } } });
    const present = [{ guildId: "1", name: "Fun" }, { guildId: "5", name: "Fun" }];
    assert.deepEqual(Object.fromEntries(shortIds(present, s)), { "1": "fun-1", "5": "lobby" });
    assert.deepEqual(Object.fromEntries(shortIds([...present, { guildId: "900", name: "Anything" }], s)), { "1": "fun-1", "5": "lobby", "900": "fun" });
  });

  it("a guild that joins does not move the others unless it is older and takes their slug", () => {
    const before = shortIds(guilds, none);
    const after = shortIds([...guilds, { guildId: "800000000000000008", name: "Town Square" }, { guildId: "900000000000000009", name: "New" }], none);
    for (const [guildId, id] of before) assert.equal(after.get(guildId), id);
  });

  it("slug keeps letters and digits only", () => assert.equal(slug("  Ünïcode -- Fans #1 "), "unicode-fans-1"));
});

describe("parseCommand with a config file", () => {
  const folder = configFolder();
  after(() => folder.remove());
  mkdirSync(join(folder.dir, "site"));
  const env = {};

  it("takes every kind of value as JSON types it, checked like the flag", async () => {
    const path = folder.write("kinds.json", {
      port: 0,
      mock: true,
      "trust-proxy": ["10.0.0.1", "::1"],
      "log-level": "debug",
      "static-dir": "site",
      "ingest-max-bytes": 4096,
      discord: { only: ["1"], guilds: { "1": { id: "home", default: true } } },
    });
    const command = await parseCommand(["--config", path], env);
    assert.ok(command.action === "run");
    const s = command.settings;
    assert.deepEqual(
      [s.port, s.mock, s["trust-proxy"], s["log-level"], s["static-dir"], s["ingest-max-bytes"], s.host],
      [0, true, ["10.0.0.1", "::1"], "debug", join(folder.dir, "site"), 4096, "127.0.0.1"],
    );
    assert.deepEqual(command.discord, { only: ["1"], hideBots: true, hideOffline: false, guilds: { "1": { id: "home", default: true } } });
  });

  it("a flag wins over its variable, the variable over the file, the file over the default", async () => {
    const path = folder.write("layers.json", { port: 1111, "rate-limit": 7, "idle-timeout": 9 });
    const command = await parseCommand(["--config", path, "--port", "3333"], { DBACK_PORT: "2222", DBACK_RATE_LIMIT: "8", DBACK_IDLE_TIMEOUT: "" });
    assert.ok(command.action === "run");
    assert.deepEqual([command.settings.port, command.settings["rate-limit"], command.settings["idle-timeout"], command.settings["rate-burst"]], [3333, 8, 9, 40]);
  });

  it("DBACK_CONFIG names the file too; a file without a discord key gives the section's defaults, no file gives none", async () => {
    const path = folder.write("env.json", { "max-connections": 12 });
    const command = await parseCommand([], { DBACK_CONFIG: path });
    assert.ok(command.action === "run" && command.settings["max-connections"] === 12);
    assert.deepEqual(command.discord, { hideBots: true, hideOffline: false, guilds: {} });
    const bare = await parseCommand([], {});
    assert.ok(bare.action === "run");
    assert.equal(bare.discord, undefined, "without a file the gateway source takes the same defaults itself");
  });

  it("the whole file is checked, even keys a flag overrides", async () => {
    const path = folder.write("overridden.json", { port: "3000" });
    await assert.rejects(parseCommand(["--config", path, "--port", "0"], env), (e) => e instanceof ConfigError && e.message === `${path}: port must be a number`);
  });

  for (const [content, expected] of [
    [{ port: 3.5 }, "port must be a whole number from 0 to 65535"],
    [{ "max-frame-bytes": 10 }, "max-frame-bytes must be a whole number from 1024 to 67108864"],
    [{ mock: "yes" }, "mock must be true or false"],
    [{ "trust-proxy": "10.0.0.1" }, "trust-proxy must be a list"],
    [{ "trust-proxy": ["10.0.0.1,10.0.0.2"] }, "trust-proxy.0 must be a list of single values"],
    [{ "trust-proxy": ["proxy.local"] }, "trust-proxy must be IP addresses separated by commas"],
    [{ "static-dir": "no-such-folder" }, "static-dir must be an existing folder"],
    [{ config: "other.json" }, "config is not a known key"],
    [{ "log-level": "chatty" }, "log-level must be one of debug, info, warn, error, silent"],
    [[1], "must hold a JSON object ({ … })"],
  ] as const) {
    it(`refuses ${JSON.stringify(content)}: ${expected}`, async () => {
      const path = folder.write("bad.json", content);
      await assert.rejects(parseCommand(["--config", path], env), (e) => e instanceof ConfigError && e.message === `${path}: ${expected}`);
    });
  }

  it("the README's example is a valid config file", async () => {
    const path = folder.write("readme.json", readmeConfigExample());
    const command = await parseCommand(["--config", path], env);
    assert.ok(command.action === "run" && command.discord);
    assert.equal(command.settings.host, "0.0.0.0");
    assert.deepEqual(command.settings["trust-proxy"], ["127.0.0.1", "::1"]);
    assert.deepEqual(Object.keys(command.discord.guilds), ["123456789012345678", "876543210987654321"]);
    assert.equal(guildSettings(command.discord, "876543210987654321").passworded, true);
  });
});
