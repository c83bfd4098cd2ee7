// The Discord gateway in a cluster: two d-back processes with the same bot
// token and one Redis hold one gateway session between them (the lease);
// kill -9 the holder and the other opens a new session within the bound,
// while viewers on the survivor keep receiving.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, until } from "./helpers/client.ts";
import { BOT_TOKEN, pixelTown } from "./helpers/discord-world.ts";
import { FakeGateway } from "./helpers/fake-gateway.ts";
import { RedisServer } from "./helpers/redis.ts";
import { health, synced, waitFor } from "./helpers/cluster.ts";
import { startCli, type Running } from "./helpers/cli.ts";

const IDENTIFY = 2;
const ALICE = "200000000000000001";

describe("the Discord gateway in a cluster", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let fake: FakeGateway;
  let instances: Running[] = [];
  const clients: Client[] = [];

  before(async () => {
    redis = await RedisServer.start();
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.addGuild(pixelTown());
    const env = { DBACK_REDIS_URL: redis.url, DBACK_DISCORD_TOKEN: BOT_TOKEN, DBACK_DISCORD_API_BASE: fake.apiBase };
    instances = await Promise.all([startCli([], env), startCli([], env)]);
    for (const instance of instances) await synced(instance);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const instance of instances) await instance.stop("SIGKILL").catch(() => {});
    await fake?.close();
    await redis?.stop();
  });

  it("one session for the cluster; its events reach viewers of both instances; after kill -9 of the holder the other takes over", async () => {
    await waitFor(async () => (await health(instances[0]!)).guilds === 1 && (await health(instances[1]!)).guilds === 1, "Pixel Town on both");
    assert.equal(fake.sent(IDENTIFY).length, 1, "one gateway session");
    let leaderId: string | null = null;
    await waitFor(async () => (leaderId = (await health(instances[0]!)).cluster.leaders.gateway) !== null, "/health to name the leader");
    const ids = await Promise.all(instances.map(async (i) => (await health(i)).cluster.instance));
    const leader = instances[ids.indexOf(leaderId!)]!;
    const other = instances[1 - ids.indexOf(leaderId!)]!;
    assert.ok(leader && other, `the leader ${leaderId} is one of ${ids.join(", ")}`);
    // The gateway's own status (what the operator page and /metrics show) is reported where it runs, and only there.
    await waitFor(async () => (await health(leader)).sources.discord?.connected === true, "the holder to report its gateway connected");
    assert.equal((await health(other)).sources.discord, undefined);

    const viewers = await Promise.all(instances.map(async (i) => (await Client.joined(i.url.replace("http", "ws"), null)).client));
    clients.push(...viewers);
    fake.presence(pixelTown().id, ALICE, "dnd");
    for (const viewer of viewers) await until(() => viewer.frames.some((f) => f.type === "presence" && f.data.status === "dnd"), "dnd on both");

    await leader.stop("SIGKILL");
    const killedAt = Date.now();
    await until(() => fake.sent(IDENTIFY).length === 2, "a new session from the survivor", 20_000);
    const takeover = Date.now() - killedAt;
    assert.ok(takeover < 15_000, `took over after ${takeover} ms`);
    await waitFor(async () => (await health(other)).cluster.leaders.gateway === ids[instances.indexOf(other)], "the survivor to hold the lease");
    await waitFor(async () => (await health(other)).sources.discord?.connected === true, "the new holder to report its gateway");
    const survivor = viewers[instances.indexOf(other)]!;
    fake.presence(pixelTown().id, ALICE, "idle");
    await until(() => survivor.frames.some((f) => f.type === "presence" && f.data.uid === ALICE && f.data.status === "idle"), "idle on the survivor");
    assert.ok(survivor.isOpen);

    // A graceful stop of the holder gives the lease back as a matter of course: no warning.
    assert.equal((await other.stop("SIGTERM")).code, 0);
    assert.match(other.log(), /INFO lease released lease=gateway/);
    assert.doesNotMatch(other.log(), /WARN lease lost/);
  });
});
