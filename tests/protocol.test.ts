// Every rule of PROTOCOL.md, spoken by real WebSocket viewers to a real server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client } from "./helpers/client.ts";
import type { Server } from "../src/mod.ts";
import dataset from "../src/sources/mock/data.json" with { type: "json" };

const DWORLD = "232769614004748288";
const DOCS = "482241773318701056";
const OAUTH = "123456789012345678";

const errors = {
  invalidJson: "Invalid JSON",
  invalidBinary: "Invalid binary encoding",
  unknownType: "Unknown event type",
  unknownServer: "Sorry, couldn't connect to that Discord server.",
  authFailed: "Discord authentication failed. Please try logging in again.",
  authRequired: "This server requires Discord authentication. Please login with Discord.",
};

describe("protocol", () => {
  let server: Server;
  const open: Client[] = [];
  const viewer = async (path = "/") => {
    const client = await Client.open(wsURL(server, path));
    open.push(client);
    return client;
  };

  before(async () => {
    // Slow simulation: these tests look at replies, not at the world moving.
    server = await startServer({ mock: { presenceMs: 60_000, messageMs: 60_000 } });
  });
  after(async () => {
    await Promise.all(open.map((c) => c.close()));
    await server.stop();
  });

  for (const path of ["/", "/ws", "/any/other/path?x=1"]) {
    it(`sends server-list on open at ${path}`, async () => {
      const client = await viewer(path);
      const list = await client.next("server-list");
      assert.deepEqual(Object.keys(list.data), Object.keys(dataset.servers));
      assert.deepEqual(list.data[DWORLD], { id: "dworld", name: "D-World", default: true, passworded: false });
      assert.deepEqual(list.data[OAUTH], { id: "oauth", name: "OAuth2 Protected Server", default: false, passworded: true });
      assert.equal(Object.values(list.data).filter((s: any) => s.default).length, 1, "exactly one default");
    });
  }

  for (const [label, data, echoed] of [
    ["null", { server: null }, "default"],
    ["missing", {}, "default"],
    ["empty", { server: "" }, "default"],
    ["whitespace", { server: "  \t " }, "default"],
    ['"default"', { server: "default" }, "default"],
  ] as const) {
    it(`a ${label} server joins the default guild and echoes "${echoed}"`, async () => {
      const client = await viewer();
      await client.next("server-list");
      client.connect(data);
      const join = await client.next("server-join");
      assert.equal(join.data.request.server, echoed);
      assert.equal(join.data.serverName, "D-World");
      assert.deepEqual(join.data.users, dataset.servers[DWORLD].users);
      assert.equal("clientId" in join.data, false, "no clientId when none is configured");
    });
  }

  it("looks a server up by its short id, trimmed", async () => {
    const client = await viewer();
    await client.next("server-list");
    client.connect({ server: "  docs " });
    const join = await client.next("server-join");
    assert.equal(join.data.request.server, "docs");
    assert.equal(join.data.serverName, "Docs (WIP)");
    assert.deepEqual(Object.keys(join.data.users), Object.keys(dataset.servers[DOCS].users));
  });

  it("turns a numeric server into its string", async () => {
    const client = await viewer();
    await client.next("server-list");
    assert.equal(await client.errorFor({ type: "connect", data: { server: 42 } }), errors.unknownServer);
  });

  it("refuses an unknown server with the exact text and stays open", async () => {
    const client = await viewer();
    await client.next("server-list");
    assert.equal(await client.errorFor({ type: "connect", data: { server: "nope" } }), errors.unknownServer);
    // The snowflake is the key of server-list, not an id d-zone looks up by.
    assert.equal(await client.errorFor({ type: "connect", data: { server: DWORLD } }), errors.unknownServer);
    client.connect({ server: "repos" });
    assert.equal((await client.next("server-join")).data.serverName, "My Repos");
  });

  it("refuses a passworded server without credentials", async () => {
    const client = await viewer();
    await client.next("server-list");
    assert.equal(await client.errorFor({ type: "connect", data: { server: "oauth" } }), errors.authRequired);
    assert.equal(
      await client.errorFor({ type: "connect", data: { server: "oauth", password: "guess" } }),
      errors.authRequired,
      "the mock oauth server has no legacy password",
    );
    assert.equal(
      await client.errorFor({ type: "connect", data: { server: "oauth", discordToken: "t" } }),
      errors.authRequired,
      "a token without a user is not an attempt",
    );
    assert.ok(client.isOpen);
  });

  it("accepts any well-formed sign-in on the mock oauth server, and no malformed one", async () => {
    const client = await viewer();
    await client.next("server-list");
    const user = { id: "323456789012345001", username: "NNTin" };
    assert.equal(
      await client.errorFor({ type: "connect", data: { server: "oauth", discordToken: "tok", discordUser: { id: user.id } } }),
      errors.authFailed,
    );
    assert.equal(
      await client.errorFor({ type: "connect", data: { server: "oauth", discordToken: "tok", discordUser: {} } }),
      errors.authFailed,
    );
    client.connect({ server: "oauth", discordToken: "tok", discordUser: { ...user, avatar: "x" } });
    const join = await client.next("server-join");
    assert.equal(join.data.request.server, "oauth");
    assert.equal(join.data.serverName, "OAuth2 Protected Server");
    assert.doesNotMatch(JSON.stringify(join), /tok/, "the token is never echoed");
  });

  describe("bad input gets an error and the connection stays open", () => {
    const cases: [string, unknown, string | RegExp][] = [
      ["not JSON", "{nope", errors.invalidJson],
      ["an empty frame", "", errors.invalidJson],
      ["binary that is not UTF-8", new Uint8Array([0xff, 0xfe, 0x80]), errors.invalidBinary],
      ["an unknown type", { type: "dance" }, errors.unknownType],
      ["no type", { data: {} }, errors.unknownType],
      ["a JSON array", "[1,2]", /^Invalid message/],
      ["JSON null", "null", /^Invalid message/],
      ["a JSON string", '"connect"', /^Invalid message/],
      ["connect without data", { type: "connect" }, "Malformed connect: data is missing"],
      ["connect with data null", { type: "connect", data: null }, "Malformed connect: data must be an object"],
      ["connect with an object server", { type: "connect", data: { server: {} } }, "Malformed connect: data.server must be a string, a number or null"],
      ["connect with a boolean server", { type: "connect", data: { server: true } }, "Malformed connect: data.server must be a string, a number or null"],
      ["connect with a numeric password", { type: "connect", data: { password: 5 } }, "Malformed connect: data.password must be a string"],
      ["connect with an array token", { type: "connect", data: { discordToken: [] } }, "Malformed connect: data.discordToken must be a string"],
      ["connect with a string user", { type: "connect", data: { discordUser: "me" } }, "Malformed connect: data.discordUser must be an object"],
      ["connect with a numeric user id", { type: "connect", data: { discordUser: { id: 1 } } }, "Malformed connect: data.discordUser.id must be a string"],
      ["connect with a huge server", { type: "connect", data: { server: "x".repeat(500) } }, "Malformed connect: data.server must be at most 128 characters"],
    ];
    let client: Client;
    before(async () => {
      client = await viewer();
      await client.next("server-list");
    });
    for (const [label, frame, expected] of cases) {
      it(label, async () => {
        const text = await client.errorFor(frame);
        if (typeof expected === "string") assert.equal(text, expected);
        else assert.match(text, expected);
        assert.ok(client.isOpen);
        client.connect({ server: "docs" });
        assert.equal((await client.next("server-join")).data.request.server, "docs", "still answers after bad input");
      });
    }
  });

  it("reads a binary frame that is valid UTF-8 as text", async () => {
    const client = await viewer();
    await client.next("server-list");
    client.send(new TextEncoder().encode(JSON.stringify({ type: "connect", data: { server: "repos" } })));
    assert.equal((await client.next("server-join")).data.serverName, "My Repos");
  });

  it("answers frames in the order they were sent", async () => {
    const client = await viewer();
    await client.next("server-list");
    client.connect({ server: "docs" });
    client.send("nope");
    client.connect({ server: "missing" });
    client.connect({ server: "repos" });
    assert.equal((await client.next("server-join")).data.request.server, "docs");
    assert.equal((await client.next("error")).data.message, errors.invalidJson);
    assert.equal((await client.next("error")).data.message, errors.unknownServer);
    assert.equal((await client.next("server-join")).data.request.server, "repos");
  });

  it("never puts a secret in server-list", async () => {
    const client = await viewer();
    const list = await client.next("server-list");
    for (const entry of Object.values(list.data) as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(entry).sort(), ["default", "id", "name", "passworded"]);
    }
  });
});
