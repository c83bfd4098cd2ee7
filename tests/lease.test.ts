// The cluster's leader lease with real processes on a real redis-server:
// a stand-in task (tests/helpers/lease-holder.ts) writes its fencing token
// while it holds the lease. Redis numbers those writes, so the order they
// are heard in is the order they happened in.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { scriptCommand } from "./helpers/cli.ts";
import { until } from "./helpers/client.ts";
import { RedisServer } from "./helpers/redis.ts";

const script = fileURLToPath(new URL("./helpers/lease-holder.ts", import.meta.url));

interface Holder {
  id: string;
  child: ChildProcess;
  output(): string;
}

function startHolder(url: string, id: string, env: Record<string, string> = {}): Promise<Holder> {
  const [cmd, args] = scriptCommand(script, []);
  const child = spawn(cmd, args, {
    env: { ...process.env, NO_COLOR: "1", LEASE_REDIS_URL: url, LEASE_HOLDER: id, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => output += d);
  child.stderr!.on("data", (d) => output += d);
  const holder = { id, child, output: () => output };
  return until(() => output.includes("started") || child.exitCode !== null, `${id} to start`).then(() => {
    if (!output.includes("started")) throw new Error(`${id} failed: ${output}`);
    return holder;
  });
}

function stopHolder({ child }: Holder): Promise<unknown> {
  const exited = new Promise((resolve) => child.on("close", resolve));
  process.kill(child.pid!, "SIGTERM");
  return exited;
}

/** Every write made under the lease, in Redis's order: [holder, token]. */
async function listen(url: string): Promise<{ writes: [string, number][]; close(): void }> {
  const sub = new Redis(url);
  const writes: [string, number][] = [];
  sub.on("message", (_channel: string, text: string) => {
    const m = JSON.parse(text);
    if (m.g !== "777" || m.e.t !== "message") return;
    const [holder, token] = m.e.d.message.split(":");
    writes.push([holder, Number(token)]);
  });
  await sub.subscribe("dback:events");
  return { writes, close: () => sub.disconnect() };
}

/** Tokens never go down, each token belongs to one holder, and no holder comes back after its successor wrote. */
function oneAtATime(writes: [string, number][]): void {
  const owner = new Map<number, string>();
  let last = 0;
  for (const [holder, token] of writes) {
    assert.ok(token >= last, `token ${token} written after ${last}`);
    assert.equal(owner.get(token) ?? holder, holder, `token ${token} used by two holders`);
    owner.set(token, holder);
    last = token;
  }
}

describe("leader lease", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  const holders: Holder[] = [];

  before(async () => {
    redis = await RedisServer.start();
  });

  after(async () => {
    for (const { child } of holders) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    await redis?.stop();
  });

  it("one of three holds it; after kill -9 of the holder another takes over within 15 s, never two at once", async () => {
    const heard = await listen(redis.url);
    try {
      for (const id of ["h1", "h2", "h3"]) holders.push(await startHolder(redis.url, id));
      await until(() => heard.writes.length >= 20, "writes under the lease");
      const [leader, token] = heard.writes.at(-1)!;
      assert.ok(heard.writes.every(([h]) => h === leader), "only the leader writes");
      const killedAt = Date.now();
      holders.find((h) => h.id === leader)!.child.kill("SIGKILL");
      await until(() => heard.writes.at(-1)![1] > token, "a new holder", 20_000);
      const takeover = Date.now() - killedAt;
      assert.ok(takeover < 15_000, `took over after ${takeover} ms`);
      const [next, nextToken] = heard.writes.at(-1)!;
      assert.notEqual(next, leader);
      assert.equal(nextToken, token + 1);
      const count = heard.writes.length;
      await until(() => heard.writes.length >= count + 20, "more writes from the new holder");
      oneAtATime(heard.writes);
      // The survivors stop gracefully: the holder lets the lease go at once.
      await Promise.all(holders.filter((h) => h.id !== leader).map(stopHolder));
    } finally {
      heard.close();
    }
  });

  it("a holder paused past its lease that will not stop cannot write once another holds it (fencing)", async () => {
    const heard = await listen(redis.url);
    const fast = { LEASE_TTL_MS: "1500", LEASE_RENEW_MS: "300", LEASE_TRY_MS: "100", LEASE_DEAF: "1" };
    try {
      const x = await startHolder(redis.url, "x", fast);
      holders.push(x);
      const before = heard.writes.length;
      await until(() => heard.writes.slice(before).some(([h]) => h === "x"), "x to write under the lease", 20_000);
      const y = await startHolder(redis.url, "y", fast);
      holders.push(y);
      process.kill(x.child.pid!, "SIGSTOP");
      let yToken = 0;
      try {
        await until(() => (yToken = heard.writes.find(([h]) => h === "y")?.[1] ?? 0) > 0, "y to take over", 20_000);
      } finally {
        process.kill(x.child.pid!, "SIGCONT");
      }
      // x wakes believing it leads and keeps writing; Redis must refuse every write.
      await until(() => /lease has passed to another instance/.test(x.output()), "x's writes to be refused");
      const count = heard.writes.length;
      await until(() => heard.writes.length >= count + 20, "y to go on writing");
      const firstY = heard.writes.findIndex(([h]) => h === "y");
      assert.ok(heard.writes.slice(firstY).every(([h, t]) => h === "y" && t === yToken), "nothing from x after y took over");
      assert.match(x.output(), /lease lost/);
      oneAtATime(heard.writes);
    } finally {
      heard.close();
    }
  });

  it("after Redis comes back empty, fencing tokens go on above every earlier one (a stale holder's token is never issued again)", async () => {
    const fast = { LEASE_TTL_MS: "1500", LEASE_RENEW_MS: "300", LEASE_TRY_MS: "100" };
    // The holders of the tests before leave first; their lease lapses on its own.
    for (const { child } of holders.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.on("close", resolve).kill("SIGKILL"));
    }
    let heard = await listen(redis.url);
    try {
      const z = await startHolder(redis.url, "z", fast);
      holders.push(z);
      await until(() => heard.writes.some(([h]) => h === "z"), "z to write under the lease", 20_000);
      const highest = Math.max(...heard.writes.map(([, t]) => t));
      heard.close();
      await redis.stop();
      await redis.start(); // empty: no persistence
      heard = await listen(redis.url);
      await until(() => heard.writes.length > 0, "writes under the lease again", 20_000);
      assert.ok(heard.writes.every(([, t]) => t > highest), `tokens after the restart ${heard.writes.map(([, t]) => t)} must be above ${highest}`);
    } finally {
      heard.close();
    }
  });
});
