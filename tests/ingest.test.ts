// The ingest API, for producers in other processes: every route with good and bad input.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client, sleep } from "./helpers/client.ts";
import { ingest, ingestSocket, TOKEN } from "./helpers/ingest.ts";
import type { Server } from "../src/mod.ts";

const A = "100000000000000001";
const B = "100000000000000002";
const user = (uid: string, status = "online", username = `user-${uid}`, roleColor = "#112233") => ({ uid, username, status, roleColor });
const guildA = () => ({
  id: "alpha",
  name: "Alpha",
  default: true,
  clientId: "cid-alpha",
  users: { u1: user("u1"), u2: user("u2", "idle"), u3: user("u3", "dnd") },
});
const guildB = () => ({ id: "beta", name: "Beta", passworded: true, password: "hunter2hunter2", users: { v1: user("v1") } });

describe("ingest API off", () => {
  let server: Server;
  before(async () => server = await startServer());
  after(() => server.stop());

  it("answers 404 on every ingest route, even with a token, and keeps the mock world", async () => {
    for (const [method, path] of [["GET", "/servers"], ["PUT", `/servers/${A}`], ["DELETE", `/servers/${A}`], ["POST", "/events"], ["GET", ""]]) {
      const res = await ingest(server, method!, path!, method === "PUT" ? guildA() : undefined);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.match(res.json.error, /ingest API is off/);
    }
    const client = await Client.open(wsURL(server));
    assert.equal(Object.keys((await client.next("server-list")).data).length, 4);
    await client.close();
  });

  it("does not take an ingest WebSocket for a viewer", async () => {
    const res = await fetch(`${server.url}/api/ingest`, {
      headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13" },
    });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });
});

describe("ingest API on", () => {
  let server: Server;
  const clients: Client[] = [];
  const viewer = async (s: unknown) => {
    const joined = await Client.joined(wsURL(server), s);
    clients.push(joined.client);
    return joined;
  };
  before(async () => {
    server = await startServer({ ingest: { token: TOKEN, maxBytes: 4096 } });
  });
  beforeEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const id of [A, B]) await ingest(server, "DELETE", `/servers/${id}`);
    assert.equal((await ingest(server, "PUT", `/servers/${A}`, guildA())).status, 201);
    assert.equal((await ingest(server, "PUT", `/servers/${B}`, guildB())).status, 201);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });

  it("turns the mock world off", async () => {
    const client = await Client.open(wsURL(server));
    assert.deepEqual(Object.keys((await client.next("server-list")).data), [A, B]);
    await client.close();
  });

  it("refuses a missing or wrong token with 401 and changes nothing", async () => {
    for (const token of [null, "wrong-token-wrong-token", `${TOKEN}x`, ""]) {
      for (const [method, path, body] of [
        ["GET", "/servers", undefined],
        ["PUT", `/servers/${A}`, { ...guildA(), name: "Hacked" }],
        ["DELETE", `/servers/${B}`, undefined],
        ["POST", "/events", { type: "message", server: A, data: { uid: "u1", message: "pwned", channel: "1" } }],
      ] as const) {
        const res = await ingest(server, method, path, body, token);
        assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(token)}`);
        assert.match(res.json.error, /Bearer/);
      }
    }
    const { json } = await ingest(server, "GET", "/servers");
    assert.deepEqual(json.servers.map((s: { name: string }) => s.name), ["Alpha", "Beta"]);
  });

  it("lists guilds with member counts and without passwords", async () => {
    const { status, json } = await ingest(server, "GET", "/servers");
    assert.equal(status, 200);
    assert.deepEqual(json, {
      servers: [
        { guildId: A, id: "alpha", name: "Alpha", default: true, passworded: false, clientId: "cid-alpha", members: 3 },
        { guildId: B, id: "beta", name: "Beta", default: false, passworded: true, members: 1 },
      ],
    });
  });

  it("serves a PUT guild to viewers, with its client id, and its password only as a check", async () => {
    const a = await viewer(null);
    assert.equal(a.join.data.serverName, "Alpha");
    assert.equal(a.join.data.clientId, "cid-alpha");
    assert.deepEqual(Object.keys(a.join.data.users), ["u1", "u2", "u3"]);
    assert.doesNotMatch(JSON.stringify(a.list), /hunter2/);
    const b = await Client.open(wsURL(server));
    clients.push(b);
    await b.next("server-list");
    assert.equal(await b.errorFor({ type: "connect", data: { server: "beta", password: "nope" } }), "This server requires Discord authentication. Please login with Discord.");
    b.connect({ server: "beta", password: "hunter2hunter2" });
    assert.doesNotMatch(JSON.stringify(await b.next("server-join")), /hunter2/);
  });

  it("replacing a watched guild sends presences for exactly the members that changed, joined or left", async () => {
    const a = await viewer("alpha");
    const next = { ...guildA(), users: { u1: user("u1"), u2: user("u2", "online"), u4: user("u4", "idle", "Fourth") } };
    const res = await ingest(server, "PUT", `/servers/${A}`, next);
    assert.equal(res.status, 200);
    assert.equal(res.json.created, false);
    assert.deepEqual(await a.client.next("presence"), { type: "presence", server: A, data: { uid: "u2", status: "online", username: "user-u2", roleColor: "#112233" } });
    assert.deepEqual(await a.client.next("presence"), { type: "presence", server: A, data: { uid: "u4", status: "idle", username: "Fourth", roleColor: "#112233" } });
    assert.deepEqual(await a.client.next("presence"), { type: "presence", server: A, data: { uid: "u3", status: "offline", delete: true } });
    await sleep(50);
    assert.deepEqual(a.client.drain(), [], "u1 did not change, so nothing about u1");
  });

  it("refuses a bad guild with 400 and the issue paths, changing nothing", async () => {
    const cases: [unknown, string][] = [
      [{ ...guildA(), name: 5 }, "name"],
      [{ ...guildA(), users: { u1: { ...user("u1"), status: "asleep" } } }, "users.u1.status"],
      [{ ...guildA(), users: { u1: user("u9") } }, "users.u1.uid"],
      [{ ...guildA(), users: { u1: { ...user("u1"), roleColor: "blue" } } }, "users.u1.roleColor"],
      [{ name: "no id", users: {} }, "id"],
      [{ ...guildA(), users: [] }, "users"],
      [[], ""],
    ];
    for (const [body, path] of cases) {
      const res = await ingest(server, "PUT", `/servers/${A}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error, "invalid guild");
      assert.ok(res.json.issues.some((i: { path: string }) => i.path === path), `${path} in ${JSON.stringify(res.json.issues)}`);
    }
    assert.equal((await ingest(server, "PUT", `/servers/${A}`, "{not json")).status, 400);
    assert.equal((await ingest(server, "PUT", "/servers/bad%20id", guildA())).status, 400);
    const { json } = await ingest(server, "GET", "/servers");
    assert.equal(json.servers[0].name, "Alpha");
    assert.equal(json.servers[0].members, 3);
  });

  it("refuses a body over --ingest-max-bytes with 413", async () => {
    const users: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) users[`m${i}`] = user(`m${i}`);
    const res = await ingest(server, "PUT", `/servers/${A}`, { ...guildA(), users });
    assert.equal(res.status, 413);
    assert.match(res.json.error, /4096 bytes/);
    assert.equal((await ingest(server, "GET", "/servers")).json.servers[0].members, 3);
  });

  it("DELETE detaches the guild's viewers with an error; an unknown guild is 404", async () => {
    const a = await viewer("alpha");
    assert.equal((await ingest(server, "DELETE", `/servers/${A}`)).status, 200);
    assert.equal((await a.client.next("error")).data.message, "Sorry, couldn't connect to that Discord server.");
    assert.equal(server.hub.viewers(A), 0);
    assert.equal((await ingest(server, "POST", "/events", { type: "message", server: A, data: { uid: "u1", message: "x", channel: "1" } })).status, 404);
    assert.equal((await ingest(server, "DELETE", `/servers/${A}`)).status, 404);
    assert.ok(a.client.isOpen, "detached, not disconnected");
  });

  it("fans posted events out to that guild's viewers only, and nothing else", async () => {
    const a = await viewer("alpha");
    const b = await Client.open(wsURL(server));
    clients.push(b);
    await b.next("server-list");
    b.connect({ server: "beta", password: "hunter2hunter2" });
    await b.next("server-join");
    const events = [
      { type: "presence", server: A, data: { uid: "u1", status: "idle" } },
      { type: "message", server: A, data: { uid: "u1", message: "hello alpha", channel: "7" } },
      { type: "message", server: B, data: { uid: "v1", message: "hello beta", channel: "8" } },
    ];
    const res = await ingest(server, "POST", "/events", events);
    assert.deepEqual(res, { status: 200, json: { ok: true, applied: 3 } });
    const single = await ingest(server, "POST", "/events", { type: "update-clientid", server: A, data: { clientId: "cid-2" } });
    assert.deepEqual(single.json, { ok: true, applied: 1 });
    assert.deepEqual(await a.client.next(), events[0]);
    assert.deepEqual(await a.client.next(), events[1]);
    assert.deepEqual(await a.client.next(), { type: "update-clientid", server: A, data: { clientId: "cid-2" } });
    assert.deepEqual(await b.next(), events[2]);
    await sleep(50);
    assert.deepEqual(a.client.drain(), []);
    assert.deepEqual(b.drain(), []);
  });

  it("writes presences into state, so a later join is current", async () => {
    await ingest(server, "POST", "/events", [
      { type: "presence", server: A, data: { uid: "u1", status: "dnd", username: "Renamed", roleColor: "#ffffff" } },
      { type: "presence", server: A, data: { uid: "u3", status: "offline", delete: true } },
      { type: "presence", server: A, data: { uid: "u5", status: "online", username: "Five", roleColor: "#000000" } },
      { type: "update-clientid", server: A, data: { clientId: "cid-3" } },
    ]);
    const a = await viewer("alpha");
    assert.deepEqual(a.join.data.users.u1, { uid: "u1", username: "Renamed", status: "dnd", roleColor: "#ffffff" });
    assert.equal(a.join.data.users.u3, undefined);
    assert.equal(a.join.data.users.u5.username, "Five");
    assert.equal(a.join.data.clientId, "cid-3");
    const { json } = await ingest(server, "GET", "/servers");
    assert.equal(json.servers[0].members, 3);
    assert.equal(json.servers[0].clientId, "cid-3");
  });

  it("applies a batch all or nothing: one bad or unknown-guild event and none is applied", async () => {
    const a = await viewer("alpha");
    const good = { type: "message", server: A, data: { uid: "u1", message: "should not arrive", channel: "1" } };
    const bad = await ingest(server, "POST", "/events", [good, { type: "presence", server: A, data: { uid: "u1", status: "gone" } }]);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.issues.map((i: { path: string }) => i.path), ["1.data.status"]);
    const unknown = await ingest(server, "POST", "/events", [good, { ...good, server: "999" }]);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json.issues, [{ path: "1.server", message: "no guild 999" }]);
    const wrongType = await ingest(server, "POST", "/events", { type: "shout", server: A, data: {} });
    assert.equal(wrongType.status, 400);
    assert.equal((await ingest(server, "POST", "/events", "not json")).status, 400);
    await sleep(50);
    assert.deepEqual(a.client.drain(), [], "nothing was half-applied");
  });

  it("takes events over the ingest WebSocket: good ones applied, each bad one answered by index", async () => {
    const a = await viewer("alpha");
    const socket = ingestSocket(server);
    const replies: unknown[] = [];
    socket.onmessage = (e) => replies.push(JSON.parse(String(e.data)));
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    socket.send(JSON.stringify([
      { type: "message", server: A, data: { uid: "u1", message: "one", channel: "1" } },
      { type: "message", server: A, data: { uid: "u1" } },
      { type: "presence", server: "404", data: { uid: "u1", status: "idle" } },
      { type: "message", server: A, data: { uid: "u2", message: "two", channel: "1" } },
    ]));
    socket.send("{nope");
    socket.send(JSON.stringify({ type: "presence", server: A, data: { uid: "u2", status: "dnd" } }));
    assert.equal((await a.client.next()).data.message, "one");
    assert.equal((await a.client.next()).data.message, "two");
    assert.equal((await a.client.next()).data.status, "dnd");
    await sleep(50);
    assert.deepEqual(replies, [
      { type: "error", data: { index: 1, message: "data.message is missing" } },
      { type: "error", data: { index: 2, message: "server: no guild 404" } },
      { type: "error", data: { message: "Invalid JSON" } },
    ]);
    socket.close();
  });

  it("refuses the ingest WebSocket without the token", async () => {
    const socket = ingestSocket(server, "wrong-token-wrong-token");
    const outcome = await new Promise<string>((resolve) => {
      socket.onopen = () => resolve("open");
      socket.onerror = () => resolve("refused");
      socket.onclose = () => resolve("refused");
    });
    assert.equal(outcome, "refused");
    const plain = await fetch(`${server.url}/api/ingest`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(plain.status, 426);
    await plain.arrayBuffer();
  });
});

describe("ingest API with --mock", () => {
  it("serves the mock world beside the ingested guilds", async () => {
    const server = await startServer({ ingest: { token: TOKEN }, mock: true });
    await ingest(server, "PUT", `/servers/${A}`, { ...guildA(), default: false });
    const client = await Client.open(wsURL(server));
    const list = await client.next("server-list");
    assert.equal(Object.keys(list.data).length, 5);
    client.connect({ server: "alpha" });
    assert.equal((await client.next("server-join")).data.serverName, "Alpha");
    client.connect({ server: "dworld" });
    assert.equal((await client.next("server-join")).data.serverName, "D-World");
    await client.close();
    await server.stop();
  });
});
