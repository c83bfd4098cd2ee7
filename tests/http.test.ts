// The JSON routes, and upgrades that are not WebSockets.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import pkg from "../package.json" with { type: "json" };
import { startServer, wsURL } from "./helpers/server.ts";
import { Client } from "./helpers/client.ts";
import type { Server } from "../src/mod.ts";

describe("http", () => {
  let server: Server;
  before(async () => server = await startServer());
  after(() => server.stop());

  it("GET /api/version", async () => {
    const res = await fetch(server.url + "/api/version");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(await res.json(), { version: pkg.version });
  });

  it("GET /health counts viewers", async () => {
    const before = await (await fetch(server.url + "/health")).json();
    assert.equal(before.status, "ok");
    assert.equal(before.version, pkg.version);
    assert.equal(typeof before.uptime, "number");
    assert.equal(before.viewers, 0);
    const a = await Client.joined(wsURL(server), null);
    const b = await Client.open(wsURL(server, "/ws"));
    await b.next("server-list");
    const during = await (await fetch(server.url + "/health")).json();
    assert.equal(during.viewers, 2);
    assert.equal(during.watched, 1);
    await Promise.all([a.client.close(), b.close()]);
  });

  it("an Upgrade header that is not a valid handshake gets 400, not a crash", async () => {
    const res = await fetch(server.url + "/", { headers: { Upgrade: "websocket", Connection: "Upgrade" } });
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    const ok = await fetch(server.url + "/api/version");
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
  });
});
