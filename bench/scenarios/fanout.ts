/**
 * Fan-out and paced latency: K viewers of one guild, a producer feeding it
 * through the ingest WebSocket, either flat out (delivered messages/s) or at
 * a fixed rate (latency). Latency runs from the producer's send stamp to the
 * viewer's receipt, both on the machine's clock.
 *
 * On a machine where server and load share the cores, messages/s is bounded
 * by both; the server's own CPU per delivered message is reported beside it,
 * as it does not depend on how much the load clients took.
 */
import { Crowd } from "../crowd.ts";
import { inTurns, med, type Runs } from "../compare.ts";
import { startProducer } from "../feed.ts";
import { putGuild, SHORT_ID } from "../fixture.ts";
import { CpuWatch, type LoadProc, type RuntimeName } from "../proc.ts";
import type { Row } from "../report.ts";
import { quantile } from "../stats.ts";
import { startTarget, type TargetName } from "../targets.ts";
import type { Context } from "./context.ts";

/** Members of the fan-out guild (its join frame is small; the storm has the big one). */
const GUILD_SIZE = 100;

interface Plan {
  viewers: number;
  count: number;
  warm: number;
  /** Events/s, 0 for flat out. */
  rate: number;
}

interface Run {
  target: TargetName;
  delivered: number;
  expected: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  closed: number;
  errors: number;
  /** CPU use over the run, in cores (1 = one core busy the whole time). */
  cpu: Record<"server" | "viewers" | "producer" | "other", number>;
  /** Server CPU per 1 000 delivered messages, ms. */
  serverMsPerK: number;
}

/** One run of K viewers fed through the ingest WebSocket (also the ingest side of the discord scenario). */
export async function measure(ctx: Context, runtime: RuntimeName, target: TargetName, plan: Plan): Promise<Run> {
  const server = await startTarget(target, runtime, { staticDir: ctx.site });
  let crowd: Crowd | undefined;
  let producer: LoadProc | undefined;
  try {
    await putGuild(server.url, GUILD_SIZE);
    const total = plan.warm + plan.count;
    crowd = await Crowd.spawn(plan.viewers, ctx.options.clients, {
      url: server.ws,
      server: SHORT_ID,
      expect: total,
      warm: plan.warm,
      concurrency: 100,
    });
    const joined = await crowd.join();
    if (joined.failed) throw new Error(`${joined.failed} of ${plan.viewers} viewers could not join: ${joined.reasons.join("; ")}`);
    producer = await startProducer(server, {
      count: plan.count,
      warm: plan.warm,
      batch: plan.rate ? 1 : ctx.options.batch,
      window: Math.max(ctx.options.batch, Math.floor(ctx.options.window / plan.viewers)),
      rate: plan.rate,
    });
    const relay = producer;
    crowd.onProgress((n) => relay.send({ cmd: "acked", n }));
    const cpu = new CpuWatch({ server: [server.pid], viewers: crowd.pids, producer: [producer.pid] });
    producer.send({ cmd: "go" });
    const budget = plan.rate ? (total / plan.rate) * 1000 + 30_000 : 120_000;
    const sent = await producer.next("sent", budget);
    const counted = await crowd.counted(budget);
    const cores = cpu.stop();
    const seconds = (counted.last - (sent.measuredFrom as number)) / 1000;
    return {
      target,
      delivered: counted.measured,
      expected: plan.count * plan.viewers,
      seconds,
      perSecond: counted.measured / seconds,
      p50: quantile(counted.latency, 0.5),
      p99: quantile(counted.latency, 0.99),
      max: counted.latency.max,
      closed: counted.closed,
      errors: counted.errors,
      cpu: cores,
      serverMsPerK: (cores.server * seconds * 1e6) / counted.measured,
    };
  } finally {
    producer?.send({ cmd: "exit" });
    await producer?.stop();
    await crowd?.exit();
    await server.stop();
  }
}

function notes(runs: Runs<Run>): string {
  const parts: string[] = [];
  for (const t of ["d-back", "ceiling"] as const) {
    const lost = runs[t].filter((r) => r.delivered < r.expected);
    if (lost.length) parts.push(`${t} lost messages in ${lost.length} run(s): ${lost.map((r) => r.expected - r.delivered).join(", ")}`);
  }
  const c = (t: TargetName) => {
    const m = (k: keyof Run["cpu"]) => med(runs, t, (r) => r.cpu[k]).toFixed(2);
    return `${t} ${m("server")}/${m("viewers")}/${m("producer")}/${m("other")}`;
  };
  parts.push(`cores server/viewers/producer/other: ${c("d-back")}, ${c("ceiling")}`);
  return parts.join("; ");
}

async function measureBoth(ctx: Context, runtime: RuntimeName, scenario: string, plan: Plan): Promise<Runs<Run>> {
  const runs = await inTurns(ctx, async (target, round) => {
    ctx.log(`${scenario} ${runtime} ${target}: ${plan.viewers} viewers, ${plan.count} events${plan.rate ? ` at ${plan.rate}/s` : ""} (round ${round + 1})`);
    const run = await measure(ctx, runtime, target, plan);
    ctx.log(
      `  ${Math.round(run.perSecond)} msg/s, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, ` +
        `delivered ${run.delivered}/${run.expected}, cores server ${run.cpu.server.toFixed(2)} viewers ${run.cpu.viewers.toFixed(2)} other ${
          run.cpu.other.toFixed(2)
        }`,
    );
    return run;
  }, (run) => run.cpu.other);
  ctx.detail(scenario, runtime, { plan, runs });
  return runs;
}

const pair = (runs: Runs<Run>, pick: (r: Run) => number) => ({ dback: med(runs, "d-back", pick), ceiling: med(runs, "ceiling", pick) });

export async function fanout(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const rows: Row[] = [];
  for (const viewers of ctx.options.sizes) {
    const count = Math.max(100, Math.round(ctx.options.deliveries[runtime] / viewers));
    const runs = await measureBoth(ctx, runtime, "fan-out", { viewers, count, warm: Math.ceil(count / 10), rate: 0 });
    const base = { scenario: "fan-out", runtime, case: `${viewers} viewers` };
    rows.push(
      { ...base, metric: "delivered", unit: "msg/s", higherIsBetter: true, ...pair(runs, (r) => r.perSecond), note: notes(runs) },
      { ...base, metric: "server CPU per 1 000 msgs", unit: "ms", higherIsBetter: false, ...pair(runs, (r) => r.serverMsPerK) },
      { ...base, metric: "latency p50", unit: "ms", higherIsBetter: false, ...pair(runs, (r) => r.p50) },
      { ...base, metric: "latency p99", unit: "ms", higherIsBetter: false, ...pair(runs, (r) => r.p99) },
    );
  }
  return rows;
}

export async function paced(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const rows: Row[] = [];
  const rate = 50;
  for (const viewers of ctx.options.sizes) {
    const count = Math.round(rate * ctx.options.pacedSeconds);
    const runs = await measureBoth(ctx, runtime, "paced", { viewers, count, warm: ctx.options.warmUp, rate });
    const base = { scenario: "paced 50/s", runtime, case: `${viewers} viewers` };
    rows.push(
      { ...base, metric: "latency p50", unit: "ms", higherIsBetter: false, ...pair(runs, (r) => r.p50), note: notes(runs) },
      { ...base, metric: "latency p99", unit: "ms", higherIsBetter: false, ...pair(runs, (r) => r.p99) },
      { ...base, metric: "latency max", unit: "ms", higherIsBetter: false, ...pair(runs, (r) => r.max) },
    );
  }
  return rows;
}
