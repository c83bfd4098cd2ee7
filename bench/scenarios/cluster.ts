/**
 * Several instances through Redis against one instance alone, in the same
 * run: the same viewers of one guild (--cluster-viewers, 3 000 by default),
 * fed at 50 events/s through the ingest WebSocket of the first instance, with
 * latency from the producer's send stamp to each viewer's receipt. Three
 * setups, each measured in turn:
 *
 *   alone     1 instance × all viewers, no Redis (the "ceiling" column)
 *   hop       1 instance × all viewers, --redis: every event goes to Redis and back (the Redis hop)
 *   cluster   3 instances × a third of the viewers each, --redis
 *
 * Reported: latency p50/p99, delivered/expected, and the CPU of the
 * d-back processes and of redis-server.
 */
import { Crowd } from "../crowd.ts";
import { startProducer } from "../feed.ts";
import { putGuild, SHORT_ID } from "../fixture.ts";
import { CpuWatch, type LoadProc, type RuntimeName, ServerProc, sleep } from "../proc.ts";
import type { Row } from "../report.ts";
import { median, merge, quantile } from "../stats.ts";
import { targetCommand } from "../targets.ts";
import { RedisServer } from "../../tests/helpers/redis.ts";
import type { Context } from "./context.ts";

type Setup = "alone" | "hop" | "cluster";

interface Run {
  setup: Setup;
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  /** Cores used over the run by d-back (all instances) and redis-server. */
  dback: number;
  redis: number;
}

async function startInstance(ctx: Context, runtime: RuntimeName, redisUrl?: string): Promise<ServerProc> {
  const [cmd, args, env] = targetCommand("d-back", runtime, { staticDir: ctx.site });
  const server = new ServerProc(cmd, args, { ...env, ...(redisUrl ? { DBACK_REDIS_URL: redisUrl } : {}) });
  await server.ready();
  return server;
}

/** Polls an instance's /health until `check` holds. */
async function healthSays(server: ServerProc, what: string, check: (health: Record<string, any>) => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check(await (await fetch(`${server.url}/health`)).json())) return;
    await sleep(50);
  }
  throw new Error(`${server.url}: ${what} did not happen`);
}

async function measure(ctx: Context, runtime: RuntimeName, setup: Setup, viewers: number, count: number): Promise<Run> {
  const redis = setup === "alone" ? undefined : await RedisServer.start();
  const servers: ServerProc[] = [];
  const crowds: Crowd[] = [];
  let producer: LoadProc | undefined;
  try {
    const n = setup === "cluster" ? 3 : 1;
    for (let i = 0; i < n; i++) servers.push(await startInstance(ctx, runtime, redis?.url));
    for (const server of servers) await healthSays(server, "cluster sync", (h) => h.cluster?.ready !== false);
    await putGuild(servers[0]!.url, 100);
    // The guild was PUT through the first instance; the others must have heard of it before viewers ask.
    for (const server of servers) await healthSays(server, "the benchmark guild", (h) => h.guilds >= 1);
    const warm = ctx.options.warmUp;
    // The same number of load processes in every setup.
    const perServer = Math.max(1, Math.floor(ctx.options.clients * 3 / n));
    for (const server of servers) {
      crowds.push(await Crowd.spawn(viewers / n, perServer, { url: server.ws, server: SHORT_ID, expect: warm + count, warm, concurrency: 100 }));
    }
    for (const crowd of crowds) {
      const joined = await crowd.join();
      if (joined.failed) throw new Error(`${joined.failed} viewers could not join: ${joined.reasons.join("; ")}`);
    }
    producer = await startProducer(servers[0]!, { count, warm, batch: 1, window: ctx.options.batch, rate: 50 });
    const relay = producer;
    const least = crowds.map(() => 0);
    crowds.forEach((crowd, i) =>
      crowd.onProgress((k) => {
        least[i] = k;
        relay.send({ cmd: "acked", n: Math.min(...least) });
      })
    );
    const cpu = new CpuWatch({ dback: servers.map((s) => s.pid), redis: redis?.pid ? [redis.pid] : [] });
    producer.send({ cmd: "go" });
    const budget = ((warm + count) / 50) * 1000 + 30_000;
    await producer.next("sent", budget);
    const counted = await Promise.all(crowds.map((crowd) => crowd.counted(budget)));
    const cores = cpu.stop();
    const latency = merge(counted.map((c) => c.latency));
    return {
      setup,
      delivered: counted.reduce((s, c) => s + c.measured, 0),
      expected: count * viewers,
      p50: quantile(latency, 0.5),
      p99: quantile(latency, 0.99),
      max: latency.max,
      dback: cores.dback,
      redis: cores.redis,
    };
  } finally {
    producer?.send({ cmd: "exit" });
    await producer?.stop();
    for (const crowd of crowds) await crowd.exit();
    for (const server of servers) await server.stop();
    await redis?.stop();
  }
}

export async function cluster(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const viewers = ctx.options.clusterViewers;
  const count = Math.round(50 * ctx.options.pacedSeconds);
  const runs: Record<Setup, Run[]> = { alone: [], hop: [], cluster: [] };
  for (let round = 0; round < ctx.options.repeat; round++) {
    for (const setup of ["alone", "hop", "cluster"] as const) {
      ctx.log(`cluster ${runtime} ${setup}: ${viewers} viewers, ${count} events at 50/s (round ${round + 1})`);
      const run = await measure(ctx, runtime, setup, viewers, count);
      ctx.log(
        `  p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, delivered ${run.delivered}/${run.expected}, ` +
          `cores d-back ${run.dback.toFixed(2)} redis ${run.redis.toFixed(2)}`,
      );
      runs[setup].push(run);
    }
  }
  ctx.detail("cluster", runtime, { viewers, count, runs });
  // The same median as every other scenario (the mean of the middle two for an even count).
  const med = (setup: Setup, pick: (r: Run) => number) => median(runs[setup].map(pick));
  const rows: Row[] = [];
  for (const setup of ["hop", "cluster"] as const) {
    const base = { scenario: "cluster 50/s", runtime, case: setup === "hop" ? `1 × ${viewers} via Redis` : `3 × ${viewers / 3} via Redis` };
    const lost = runs[setup].map((r) => r.expected - r.delivered).filter((x) => x > 0);
    rows.push(
      {
        ...base,
        metric: "latency p50",
        unit: "ms",
        higherIsBetter: false,
        dback: med(setup, (r) => r.p50),
        ceiling: med("alone", (r) => r.p50),
        note: `ceiling column: 1 × ${viewers} without Redis${lost.length ? `; lost ${lost.join(", ")}` : ""}`,
      },
      { ...base, metric: "latency p99", unit: "ms", higherIsBetter: false, dback: med(setup, (r) => r.p99), ceiling: med("alone", (r) => r.p99) },
      {
        ...base,
        metric: "cores d-back (all)",
        unit: "cores",
        higherIsBetter: false,
        dback: med(setup, (r) => r.dback),
        ceiling: med("alone", (r) => r.dback),
        note: `redis-server ${med(setup, (r) => r.redis).toFixed(3)} cores`,
      },
    );
  }
  return rows;
}
