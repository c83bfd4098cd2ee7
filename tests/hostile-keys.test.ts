// Keys named like object properties (issue 10): members, guild ids and short ids `__proto__`,
// `constructor`, `prototype` are stored and served like any other, through the ingest API and
// the library API. JSON.parse (and so every body and frame) keeps such keys as own properties.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client } from "./helpers/client.ts";
import { ingest, TOKEN } from "./helpers/ingest.ts";
import type { Server } from "../src/mod.ts";
import * as v from "valibot";
import { DiscordSettings } from "../src/sources/discord/guild-settings.ts";
import { problem } from "../src/protocol/issues.ts";

const special = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];
const user = (uid: string) => ({ uid, username: `user ${uid}`, status: "online", roleColor: "#112233" });
/** `{ key: user(key), … }` written as JSON text, so `__proto__` is a plain key, as a producer sends it. */
const membersJson = (uids: string[]) => `{${uids.map((uid) => `${JSON.stringify(uid)}:${JSON.stringify(user(uid))}`).join(",")}}`;

describe("keys named like object properties, through the ingest API", () => {
  let server: Server;
  const clients: Client[] = [];
  before(async () => server = await startServer({ ingest: { token: TOKEN } }));
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });

  it("members keyed __proto__, constructor, prototype are all stored and sent", async () => {
    const uids = [...special, "42"];
    const body = `{"id":"keys","name":"Keys","users":${membersJson(uids)}}`;
    const put = await ingest(server, "PUT", "/servers/900000000000000001", body);
    assert.equal(put.status, 201);
    assert.equal(put.json.members, uids.length);
    const listed = await ingest(server, "GET", "/servers");
    assert.equal(listed.json.servers.find((s: { guildId: string }) => s.guildId === "900000000000000001").members, uids.length);
    const { client, join } = await Client.joined(wsURL(server), "keys");
    clients.push(client);
    assert.deepEqual(Object.keys(join.data.users).sort(), [...uids].sort());
    assert.deepEqual(join.data.users.__proto__, user("__proto__"));
    // Events for them work too, and a delete removes only that member.
    const events = [
      { type: "presence", server: "900000000000000001", data: { uid: "constructor", status: "idle" } },
      { type: "presence", server: "900000000000000001", data: { uid: "__proto__", status: "offline", delete: true } },
    ];
    assert.equal((await ingest(server, "POST", "/events", events)).status, 200);
    assert.equal((await client.next("presence")).data.uid, "constructor");
    assert.equal((await client.next("presence")).data.uid, "__proto__");
    const after = await ingest(server, "GET", "/servers");
    assert.equal(after.json.servers.find((s: { guildId: string }) => s.guildId === "900000000000000001").members, uids.length - 1);
  });

  it("a member whose uid differs from its key __proto__ is a 400 naming it", async () => {
    const body = `{"id":"bad","name":"Bad","users":{"__proto__":${JSON.stringify(user("someone-else"))}}}`;
    const put = await ingest(server, "PUT", "/servers/900000000000000009", body);
    assert.equal(put.status, 400);
    assert.deepEqual(put.json.issues, [{ path: "users.__proto__.uid", message: 'must equal its key "__proto__"' }]);
  });

  it("guild ids and short ids __proto__, constructor, prototype are guilds like any other", async () => {
    const pairs = [["__proto__", "constructor"], ["constructor", "prototype"], ["prototype", "__proto__"]];
    for (const [guildId, id] of pairs) {
      const put = await ingest(server, "PUT", `/servers/${guildId}`, `{"id":"${id}","name":"G ${guildId}","users":${membersJson(["__proto__"])}}`);
      assert.equal(put.status, 201, guildId);
    }
    const client = await Client.open(wsURL(server));
    clients.push(client);
    const list = await client.next("server-list");
    for (const [guildId, id] of pairs) assert.equal(list.data[guildId]?.id, id, guildId);
    for (const [guildId, id] of pairs) {
      client.connect({ server: id });
      const join = await client.next("server-join");
      assert.equal(join.data.serverName, `G ${guildId}`);
      assert.deepEqual(Object.keys(join.data.users), ["__proto__"]);
    }
    const event = { type: "message", server: "__proto__", data: { uid: "__proto__", message: "hi", channel: "1" } };
    assert.equal((await ingest(server, "POST", "/events", event)).status, 200);
  });
});

describe("keys named like object properties, through the library API", () => {
  let server: Server;
  before(async () => {
    server = await startServer({
      callbacks: {
        getServers: () => JSON.parse('{"__proto__":{"id":"proto","name":"Proto","default":true},"constructor":{"id":"ctor","name":"Ctor"}}'),
        getUsers: () => JSON.parse(membersJson(special)),
      },
    });
  });
  after(() => server.stop());

  it("lists guilds keyed __proto__ and constructor, and sends their special members", async () => {
    const { client, list, join } = await Client.joined(wsURL(server), "proto");
    assert.deepEqual(Object.keys(list.data).sort(), ["__proto__", "constructor"]);
    assert.deepEqual(Object.keys(join.data.users).sort(), [...special].sort());
    client.connect({ server: "ctor" });
    assert.equal((await client.next("server-join")).data.serverName, "Ctor");
    await client.close();
  });
});

describe("keys named like object properties, in the discord settings", () => {
  it("a guild keyed __proto__ is refused by name, not dropped", () => {
    const parsed = v.safeParse(DiscordSettings, JSON.parse('{"guilds":{"__proto__":{"id":"sneaky"}}}'));
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.issues!.map(problem), [{ path: "guilds.__proto__", message: "must be a Discord id (digits)" }]);
  });
});
