// Gateway sessions against the fake Discord: large guilds through member chunks, resumes and re-identifies.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, until } from "./helpers/client.ts";
import { wsURL } from "./helpers/server.ts";
import { member, pixelTown, startDiscord } from "./helpers/discord-world.ts";
import type { FakeGuildInit } from "./helpers/fake-gateway.ts";

const PIXEL = "100000000000000001";
const BIG = "100000000000000050";
let running: Awaited<ReturnType<typeof startDiscord>> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** A guild of `n` members, every third one online. */
const bigGuild = (n: number): FakeGuildInit => {
  const members = Array.from({ length: n }, (_, i) => member(`2100000000000${String(i).padStart(5, "0")}`, `member-${i}`));
  const presences = Object.fromEntries(members.filter((_, i) => i % 3 === 0).map((m) => [m.user.id, "online" as const]));
  return { id: BIG, name: "Big Hall", members, presences };
};

const opsOf = (running: { fake: { received: { op: number }[] } }, op: number) => running.fake.received.filter((r) => r.op === op).length;

/** Presence frames a viewer got, as sorted JSON (a re-identify's diff comes in member order, not event order). */
const presences = (frames: { type: string; data: unknown }[]) => frames.filter((f) => f.type === "presence").map((f) => JSON.stringify(f.data)).sort();

describe("Discord sessions", () => {
  it("loads a large guild through member chunks with presences, one request per guild, honouring RATE_LIMITED", async () => {
    running = await startDiscord([bigGuild(9), pixelTown()], { largeThreshold: 5, chunkSize: 2 }, {}, (fake) => fake.rateLimitNext = 0.05);
    const requests = running.fake.received.filter((r) => r.op === 8);
    assert.equal(requests.length, 2, "the first request was rate limited, the second went through");
    assert.deepEqual(requests.map((r) => (r.d as { guild_id: string }).guild_id), [BIG, BIG]);
    // The interval is 300 ms, retry_after 50 ms: the second request waited for the interval (less a little delivery jitter).
    assert.ok(requests[1]!.at - requests[0]!.at >= 250, "no two full requests for one guild within the interval");
    const { client, join } = await Client.joined(wsURL(running.server), "big-hall");
    await client.close();
    assert.equal(Object.keys(join.data.users).length, 9);
    assert.equal(join.data.users["210000000000000003"].status, "online");
    assert.equal(join.data.users["210000000000000004"].status, "offline");
  });

  it("resumes after op 7 without losing or repeating an event", async () => {
    running = await startDiscord([pixelTown()]);
    const { fake } = running;
    const { client } = await Client.joined(wsURL(running.server));
    try {
      fake.reconnect();
      fake.presence(PIXEL, "200000000000000003", "online");
      fake.presence(PIXEL, "200000000000000002", "dnd");
      await until(() => opsOf(running!, 6) === 1 && fake.live, "the resume");
      fake.presence(PIXEL, "200000000000000001", "idle");
      const got = [await client.next(), await client.next(), await client.next()].map((f) => [f.data.uid, f.data.status]);
      assert.deepEqual(got, [["200000000000000003", "online"], ["200000000000000002", "dnd"], ["200000000000000001", "idle"]]);
      assert.equal(opsOf(running, 2), 1, "one identify: the session went on");
      assert.deepEqual(client.drain(), []);
    } finally {
      await client.close();
    }
  });

  it("resumes after a zombie connection stops acknowledging heartbeats", async () => {
    running = await startDiscord([pixelTown()], { heartbeatMs: 100 });
    const { fake } = running;
    const { client } = await Client.joined(wsURL(running.server));
    try {
      fake.stopAcking();
      fake.presence(PIXEL, "200000000000000003", "online");
      await until(() => opsOf(running!, 6) === 1 && fake.live, "the resume after the zombie");
      fake.presence(PIXEL, "200000000000000003", "idle");
      assert.deepEqual([(await client.next()).data.status, (await client.next()).data.status], ["online", "idle"]);
      assert.equal(opsOf(running, 2), 1);
      assert.deepEqual(client.drain(), []);
    } finally {
      await client.close();
    }
  });

  it("after an abrupt drop, viewers get each change in the gap once (resumed, or reconciled from a new session)", async () => {
    running = await startDiscord([pixelTown()]);
    const { fake } = running;
    const { client } = await Client.joined(wsURL(running.server));
    try {
      const before = opsOf(running, 0) + fake.received.length;
      fake.drop();
      fake.presence(PIXEL, "200000000000000003", "online");
      fake.updateMember(PIXEL, "200000000000000002", { nick: "Robert" });
      fake.removeMember(PIXEL, "200000000000000001");
      await until(() => fake.live && running!.server.world.source.ready!(), "the new connection");
      await until(() => client.frames.filter((f) => f.type === "presence").length >= 3, "three presences");
      assert.ok(fake.received.length > before);
      assert.deepEqual(presences(client.drain()), [
        { uid: "200000000000000001", status: "offline", delete: true },
        { uid: "200000000000000002", status: "idle", username: "Robert", roleColor: "#3498db" },
        { uid: "200000000000000003", status: "online", username: "carol", roleColor: "#ffffff" },
      ].map((p) => JSON.stringify(p)).sort());
    } finally {
      await client.close();
    }
  });

  it("after a session Discord invalidates, sends only what changed, and never reads a large guild's partial GUILD_CREATE as leaves", async () => {
    running = await startDiscord([pixelTown(), bigGuild(9)], { largeThreshold: 5, chunkSize: 4 });
    const { fake } = running;
    const town = await Client.joined(wsURL(running.server), "pixel-town");
    const hall = await Client.joined(wsURL(running.server), "big-hall");
    try {
      fake.quietly(() => {
        fake.presence(PIXEL, "200000000000000003", "idle");
        fake.addMember(PIXEL, member("200000000000000007", "frank"));
        fake.setRole(PIXEL, { id: "300000000000000002", name: "Regulars", color: 0x111111, position: 1 });
        fake.presence(BIG, "210000000000000004", "dnd");
      });
      fake.invalidate(false);
      await until(() => opsOf(running!, 2) === 2 && running!.server.world.source.ready!(), "the new session to settle");
      const count = (c: Client) => c.frames.filter((f) => f.type === "presence").length;
      await until(() => count(town.client) >= 3 && count(hall.client) >= 1, "the diffs");
      assert.deepEqual(presences(town.client.drain()), [
        { uid: "200000000000000002", status: "idle", username: "Bobby", roleColor: "#111111" },
        { uid: "200000000000000003", status: "idle", username: "carol", roleColor: "#ffffff" },
        { uid: "200000000000000007", status: "offline", username: "frank", roleColor: "#ffffff" },
      ].map((p) => JSON.stringify(p)).sort());
      assert.deepEqual(hall.client.drain().map((f) => f.data), [
        { uid: "210000000000000004", status: "dnd", username: "member-4", roleColor: "#ffffff" },
      ]);
    } finally {
      await town.client.close();
      await hall.client.close();
    }
  });
});
