// Ingest PUTs that would make guilds ambiguous are refused, naming the conflict; every 400 and 413
// leaves one debug line (never the body). And what state ignores, viewers are not sent.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createLogger, type Server } from "../src/mod.ts";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client } from "./helpers/client.ts";
import { ingest, TOKEN } from "./helpers/ingest.ts";

const guild = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `guild ${id}`, users: {}, ...extra });

describe("ingest refusals", () => {
  let server: Server;
  const lines: string[] = [];

  before(async () => {
    server = await startServer({ ingest: { token: TOKEN, maxBytes: 2048 }, logger: createLogger("debug", (line) => lines.push(line)) });
    assert.equal((await ingest(server, "PUT", "/servers/100", guild("alpha", { default: true }))).status, 201);
    assert.equal((await ingest(server, "PUT", "/servers/200", guild("beta"))).status, 201);
  });
  after(() => server.stop());

  it("refuses a short id that another guild has, naming that guild", async () => {
    const { status, json } = await ingest(server, "PUT", "/servers/300", guild("alpha"));
    assert.equal(status, 400);
    assert.equal(json.error, "conflicting guild");
    assert.deepEqual(json.issues, [{ path: "id", message: '"alpha" is already the short id of guild 100' }]);
    assert.equal((await ingest(server, "GET", "/servers")).json.servers.length, 2, "nothing was added");
  });

  it("refuses a second default guild, naming the first", async () => {
    const { status, json } = await ingest(server, "PUT", "/servers/200", guild("beta", { default: true }));
    assert.equal(status, 400);
    assert.deepEqual(json.issues, [{ path: "default", message: 'guild 100 is already the default; PUT it with "default": false first' }]);
  });

  it("lets the default move once the old one gives it up, and a guild repeat its own values", async () => {
    assert.equal((await ingest(server, "PUT", "/servers/100", guild("alpha"))).status, 200);
    assert.equal((await ingest(server, "PUT", "/servers/200", guild("beta", { default: true }))).status, 200);
    assert.equal((await ingest(server, "PUT", "/servers/200", guild("beta", { default: true }))).status, 200);
    const servers = (await ingest(server, "GET", "/servers")).json.servers as { guildId: string; default: boolean }[];
    assert.deepEqual(servers.filter((s) => s.default).map((s) => s.guildId), ["200"]);
  });

  it("logs each 400 and 413 at debug with its reason, and not the body", async () => {
    lines.length = 0;
    await ingest(server, "POST", "/events", "{not json");
    await ingest(server, "POST", "/events", { type: "presence", server: "100", data: { uid: "u1", status: "online", username: "x".repeat(4000) } });
    const refused = lines.filter((line) => / DEBUG ingest request refused /.test(line));
    assert.equal(refused.length, 2, lines.join("\n"));
    assert.match(refused[0]!, /method=POST path=\/api\/ingest\/events status=400 error="the body is not valid JSON"/);
    assert.match(refused[1]!, /status=413 error="the body is larger than 2048 bytes/);
    assert.ok(!lines.join("\n").includes("xxxx"), "no body in the log");
  });

  it("a presence for a member state does not know, without a username, reaches no viewer", async () => {
    const users = { "1": { uid: "1", username: "Ada", status: "online", roleColor: "#e06c75" } };
    assert.equal((await ingest(server, "PUT", "/servers/500", { id: "gamma", name: "gamma", users })).status, 201);
    const { client } = await Client.joined(wsURL(server), "gamma");
    try {
      const events = (data: Record<string, unknown>[]) => ingest(server, "POST", "/events", data.map((d) => ({ type: "presence", server: "500", data: d })));
      assert.equal((await events([{ uid: "2", status: "idle" }, { uid: "3", status: "offline", delete: true }, { uid: "1", status: "dnd" }])).status, 200);
      const next = await client.next("presence");
      assert.deepEqual(next.data, { uid: "1", status: "dnd" }, "the ignored ones were not sent before it");
      await events([{ uid: "4", status: "online", username: "Bo" }]);
      assert.equal((await client.next("presence")).data.uid, "4", "a presence that names a new member is sent");
      const later = await Client.joined(wsURL(server), "gamma");
      assert.deepEqual(Object.keys(later.join.data.users).sort(), ["1", "4"], "a later viewer sees what earlier ones saw");
      await later.client.close();
    } finally {
      await client.close();
    }
  });
});
