// The mock world: one shared simulation per guild, only while it has viewers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client, type Frame, sleep } from "./helpers/client.ts";
import { MockSource, type Server } from "../src/mod.ts";

const DWORLD = "232769614004748288";
const REPOS = "987654321098765432";

const live = (frames: Frame[]) => frames.filter((f) => f.type === "presence" || f.type === "message");

describe("mock world", () => {
  let server: Server;
  let source: MockSource;
  before(async () => {
    source = new MockSource({ presenceMs: 25, messageMs: 35 });
    server = await startServer({ source });
  });
  after(() => server.stop());

  it("runs no simulation before a guild has viewers", async () => {
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    await sleep(100);
    assert.equal(source.running, 0);
    assert.deepEqual(client.drain(), [], "a viewer that joined nothing hears nothing");
    await client.close();
  });

  it("shares one simulation between two viewers of a guild, who see the same events", async () => {
    const a = await Client.joined(wsURL(server), "dworld");
    const b = await Client.joined(wsURL(server, "/ws"), null);
    assert.equal(source.running, 1, "one simulation for one guild, however many viewers");
    await sleep(400);
    const fromA = live(a.client.drain());
    const fromB = live(b.client.drain());
    assert.ok(fromB.some((f) => f.type === "presence"), "presence events arrive");
    assert.ok(fromB.some((f) => f.type === "message"), "message events arrive");
    assert.ok(fromB.every((f) => f.server === DWORLD), "only events of the joined guild");
    // b joined after a, so b's events are exactly the last ones a saw, in the same order.
    assert.deepEqual(fromB, fromA.slice(fromA.length - fromB.length));

    const c = await Client.joined(wsURL(server), "repos");
    assert.equal(source.running, 2, "a second guild, a second simulation");
    await sleep(150);
    assert.ok(live(c.client.drain()).every((f) => f.server === REPOS));
    assert.ok(live(a.client.drain()).every((f) => f.server === DWORLD), "no events of another guild");

    await Promise.all([a.client.close(), b.client.close(), c.client.close()]);
    await sleep(50);
    assert.equal(source.running, 0, "no simulation once everyone has left");
    assert.equal(server.world.watching, 0);
    assert.equal(server.hub.rooms, 0, "no hub entries left");
  });

  it("stops the world when the last viewer leaves: no timer keeps changing state", async () => {
    const a = await Client.joined(wsURL(server), "repos");
    await sleep(100);
    await a.client.close();
    await sleep(50);
    const guild = server.state.get(REPOS)!;
    const snapshot = guild.uids().map((uid) => guild.member(uid)!.status).join();
    await sleep(200); // eight presence periods
    assert.equal(guild.uids().map((uid) => guild.member(uid)!.status).join(), snapshot);
  });

  it("writes presence changes back to state, so a later join shows current statuses", async () => {
    const a = await Client.joined(wsURL(server), "repos");
    const statuses = new Map<string, string>(
      Object.values(a.join.data.users as Record<string, { uid: string; status: string }>).map((u) => [u.uid, u.status]),
    );
    await sleep(300);
    // Joining again on the same socket orders the new server-join after every presence before it.
    a.client.connect({ server: "repos" });
    let changes = 0;
    for (;;) {
      const f = await a.client.next();
      if (f.type === "server-join") {
        assert.ok(changes > 0, "some presence changes happened");
        for (const [uid, user] of Object.entries(f.data.users as Record<string, { status: string }>)) {
          assert.equal(user.status, statuses.get(uid), `status of ${uid}`);
        }
        break;
      }
      if (f.type === "presence") {
        statuses.set(f.data.uid, f.data.status);
        changes++;
      }
    }
    await a.client.close();
  });
});
