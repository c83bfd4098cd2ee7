// Several d-back processes sharing one world through a real redis-server:
// writes on one instance reach the viewers of every instance in one order,
// joins in the middle of a stream get neither a gap nor a duplicate, and the
// cluster rides out a paused instance, a killed instance and a Redis that
// comes back empty.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { Client, sleep, until } from "./helpers/client.ts";
import { ingest, ingestSocket, TOKEN } from "./helpers/ingest.ts";
import { startCli } from "./helpers/cli.ts";
import { RedisServer } from "./helpers/redis.ts";
import { health, startInstances, synced, waitFor } from "./helpers/cluster.ts";
import type { Running } from "./helpers/cli.ts";

const PASSWORD = "cluster-test-password-42";
const member = (uid: string, username: string) => ({ uid, username, status: "online", roleColor: "#ffffff" });
/** A presence that renames member 1 to `n<k>`: the k-th write to the guild, easy to check for order, gaps and repeats. */
const step = (guildId: string, k: number) => ({ type: "presence", server: guildId, data: { uid: "1", status: "online", username: `n${k}` } });
const counter = (frame: { data: { username?: string } }) => Number(frame.data.username!.slice(1));
const ws = (instance: Running) => instance.url.replace("http", "ws");

async function putGuild(instance: Running, guildId: string, id: string): Promise<void> {
  const put = await ingest(instance, "PUT", `/servers/${guildId}`, { id, name: id, users: { 1: member("1", "n0") } });
  assert.equal(put.status, 201, JSON.stringify(put.json));
}

/** Posts events 1..n (in batches), each acknowledged; returns when all are. */
async function stream(instance: Running, guildId: string, from: number, to: number, batch = 50): Promise<void> {
  for (let k = from; k <= to; k += batch) {
    const events = [];
    for (let i = k; i <= Math.min(to, k + batch - 1); i++) events.push(step(guildId, i));
    const posted = await ingest(instance, "POST", "/events", events);
    assert.equal(posted.status, 200, JSON.stringify(posted.json));
  }
}

/** The counters a viewer heard for member 1, after its join frame said `joined`. Checks there is no gap and no repeat. */
function heard(client: Client, joined: number, last: number): void {
  const counts = client.drain().filter((f) => f.type === "presence").map(counter);
  const expected = Array.from({ length: last - joined }, (_, i) => joined + 1 + i);
  assert.deepEqual(counts, expected, `after joining at n${joined}`);
}

describe("cluster", { timeout: 120_000 }, () => {
  let redis: RedisServer;
  let a: Running, b: Running, c: Running;
  const clients: Client[] = [];
  const open = async (instance: Running, server: string) => {
    const joined = await Client.joined(ws(instance), server);
    clients.push(joined.client);
    return joined;
  };

  before(async () => {
    redis = await RedisServer.start(PASSWORD);
    [a, b, c] = await startInstances(3, redis.url);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const instance of [a, b, c]) await instance?.stop("SIGKILL").catch(() => {});
    await redis?.stop();
  });

  it("sees every instance and no leader in /health, and never shows the Redis password", async () => {
    await waitFor(async () => (await health(a)).cluster.instances === 3, "three instances seen");
    const cluster = (await health(b)).cluster;
    assert.equal(cluster.ready, true);
    assert.equal(cluster.redis, `redis://:***@127.0.0.1:${redis.port}`);
    assert.deepEqual(cluster.leaders, {});
    for (const instance of [a, b, c]) assert.ok(!instance.log().includes(PASSWORD) && instance.log().includes("cluster synced"));
  });

  it("a PUT and events on A reach the viewers on B and C, all in the same order", async () => {
    await putGuild(a, "500", "order");
    const onB = await open(b, "order");
    const onC = await open(c, "order");
    assert.equal(onB.join.data.users["1"].username, "n0");
    assert.equal(onC.join.data.users["1"].username, "n0");
    await stream(a, "500", 1, 300);
    await until(() => onB.client.frames.length >= 302 && onC.client.frames.length >= 302, "300 presences on B and C");
    heard(onB.client, 0, 300);
    heard(onC.client, 0, 300);
    // A guild the cluster does not know is refused on any instance, as on one.
    const unknown = await ingest(c, "POST", "/events", step("999", 1));
    assert.equal(unknown.status, 404);
  });

  it("viewers who join on B and C in the middle of thousands of events get no gap and no duplicate", async () => {
    await putGuild(a, "501", "flow");
    const total = 3000;
    const producing = stream(a, "501", 1, total, 25);
    const joined: { client: Client; at: number }[] = [];
    while (joined.length < 12) {
      const { client, join } = await open(joined.length % 2 ? b : c, "flow");
      joined.push({ client, at: counter({ data: join.data.users["1"] }) });
      await sleep(40);
    }
    await producing;
    // A viewer that joined after the last event has it in its server-join already.
    for (const { client, at } of joined) {
      await until(() => at === total || client.frames.at(-1)?.data?.username === `n${total}`, `n${total} on every viewer`);
    }
    for (const { client, at } of joined) heard(client, at, total);
    assert.ok(joined.some(({ at }) => at > 0 && at < total), "some viewer joined mid-stream");
  });

  it("the ingest API of every instance lists, replaces and deletes the shared guilds", async () => {
    await putGuild(a, "505", "shared");
    const onC = await open(c, "shared");
    // Each instance answers from its replica: B must have heard of the guild before it is asked.
    await open(b, "shared");
    const listed = await ingest(c, "GET", "/servers");
    assert.ok(listed.json.servers.some((s: { guildId: string; members: number }) => s.guildId === "505" && s.members === 1));
    const again = await ingest(b, "PUT", "/servers/505", { id: "shared", name: "Shared again", users: {} });
    assert.equal(again.status, 200, "not new to the cluster");
    const gone = await ingest(b, "DELETE", "/servers/505");
    assert.equal(gone.status, 200);
    await until(() => onC.client.frames.some((f) => f.type === "error"), "the viewer on C told the guild is gone");
    assert.equal(onC.client.frames.filter((f) => f.type === "presence").at(-1)?.data.delete, true);
    await waitFor(async () => (await ingest(a, "DELETE", "/servers/505")).status === 404, "a second DELETE to find nothing");
  });

  it("a paused instance slows nobody, and catches up when it wakes", async () => {
    await putGuild(a, "502", "pause");
    const onB = await open(b, "pause");
    const onC = await open(c, "pause");
    process.kill(c.child.pid!, "SIGSTOP");
    try {
      await stream(a, "502", 1, 2000, 100);
      await until(() => onB.client.frames.at(-1)?.data?.username === "n2000", "every event on B while C sleeps");
      heard(onB.client, 0, 2000);
    } finally {
      process.kill(c.child.pid!, "SIGCONT");
    }
    await until(() => onC.client.frames.at(-1)?.data?.username === "n2000", "C to catch up");
    heard(onC.client, 0, 2000);
  });

  it("Redis killed and started empty: viewers keep their sockets, writes wait, the world is put back", async () => {
    await putGuild(a, "503", "restart");
    const onB = await open(b, "restart");
    await stream(a, "503", 1, 100);
    await until(() => onB.client.frames.at(-1)?.data?.username === "n100", "n100 on B");
    await redis.stop();
    await sleep(200);
    // While Redis is away nothing is acknowledged: the producer is told to send again.
    await waitFor(async () => (await ingest(a, "POST", "/events", step("503", 101))).status === 503, "a 503 from A");
    // A frame on the ingest WebSocket is answered once, without an index.
    const socket = ingestSocket(a);
    await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
    const answers: string[] = [];
    socket.addEventListener("message", (event) => answers.push(String(event.data)));
    socket.send(JSON.stringify(step("503", 101)));
    await until(() => answers.length === 1, "the frame refused");
    assert.deepEqual(Object.keys(JSON.parse(answers[0]!).data), ["message"]);
    assert.match(answers[0]!, /not stored: .*send it again/);
    socket.close();
    const down = await health(b);
    assert.equal(down.cluster.ready, false);
    await redis.start();
    for (const instance of [a, b, c]) await synced(instance);
    assert.ok(onB.client.isOpen, "the viewer on B kept its socket");
    // Everything acknowledged before the restart is there, on every instance.
    const onC = await open(c, "restart");
    assert.equal(onC.join.data.users["1"].username, "n100");
    await stream(a, "503", 101, 150);
    await until(() => onB.client.frames.at(-1)?.data?.username === "n150", "n150 on B after the restart");
    await until(() => onC.client.frames.at(-1)?.data?.username === "n150", "n150 on C after the restart");
    heard(onC.client, 100, 150);
    // Earlier guilds were put back too.
    const late = await open(b, "order");
    assert.equal(late.join.data.users["1"].username, "n300");
    assert.ok((await health(a)).cluster.restores + (await health(b)).cluster.restores + (await health(c)).cluster.restores >= 1);
  });

  it("no line of any instance's log holds the Redis password, through all of the above", () => {
    for (const instance of [a, b, c]) assert.ok(!instance.log().includes(PASSWORD));
  });

  it("a mock world on another instance joins the shared world, and its open sign-in stays with its own guilds", async () => {
    const d = await startCli(["--mock"], { DBACK_REDIS_URL: redis.url, DBACK_INGEST_TOKEN: TOKEN });
    try {
      await synced(d);
      // D's mock guilds reach viewers on A, which has no mock world of its own.
      const listedOn = (instance: Running, id: string) => async () =>
        (await ingest(instance, "GET", "/servers")).json.servers.some((g: { id: string }) => g.id === id);
      await waitFor(listedOn(a, "docs"), "A to hear of D's mock guilds");
      const onA = await open(a, "docs");
      assert.ok(Object.keys(onA.join.data.users).length > 0);
      // A guild put through A with a password: D's mock would accept any sign-in, but is not asked.
      const put = await ingest(a, "PUT", "/servers/507", { id: "locked", name: "Locked", passworded: true, password: "p4ssword-p4ssword", users: {} });
      assert.equal(put.status, 201);
      await waitFor(listedOn(d, "locked"), "D to hear of the locked guild");
      const viewer = await Client.open(ws(d));
      clients.push(viewer);
      await viewer.next("server-list");
      const refused = await viewer.errorFor({
        type: "connect",
        data: { server: "locked", discordToken: "any-token", discordUser: { id: "42", username: "someone" } },
      });
      assert.equal(refused, "Discord authentication failed. Please try logging in again.");
      // …while D's own passworded guild still takes it.
      viewer.connect({ server: "oauth", discordToken: "any-token", discordUser: { id: "42", username: "someone" } });
      assert.equal((await viewer.next("server-join", { skip: ["presence", "message"] })).type, "server-join");
    } finally {
      await d.stop("SIGKILL");
    }
  });

  it("an instance started while Redis is away serves, says it is not ready, logs it once, and joins when Redis comes", async () => {
    const other = await RedisServer.start();
    await other.stop();
    const late = await startCli([], { DBACK_REDIS_URL: other.url, DBACK_INGEST_TOKEN: TOKEN });
    try {
      const before = await health(late);
      assert.equal(before.status, "ok");
      assert.equal(before.cluster.ready, false);
      await sleep(1500);
      assert.equal(late.log().match(/redis unreachable/g)?.length, 2, "once per connection");
      await other.start();
      await synced(late);
      await putGuild(late, "506", "late");
    } finally {
      await late.stop("SIGKILL");
      await other.stop();
    }
  });

  it("an instance killed with SIGKILL takes only its own viewers with it", async () => {
    await putGuild(a, "504", "kill");
    const onB = await open(b, "kill");
    const onC = await open(c, "kill");
    await c.stop("SIGKILL");
    await onC.client.closed;
    await stream(a, "504", 1, 200);
    await until(() => onB.client.frames.at(-1)?.data?.username === "n200", "n200 on B");
    heard(onB.client, 0, 200);
  });
});
