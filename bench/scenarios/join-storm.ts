/**
 * Join storm: N viewers connect at once and join a guild of M members; the
 * time from the first `go` to the last `server-join`, and the server's peak
 * RSS over the storm (VmHWM, reset just before it).
 *
 * Then the same storm while the guild churns, as a big guild does: a
 * producer changes one member's status after another (`--churn` per
 * second), so the join frame keeps going out of date under the storm.
 */
import { Crowd } from "../crowd.ts";
import { inTurns, med } from "../compare.ts";
import { startProducer } from "../feed.ts";
import { members as fixtureMembers, putGuild, SHORT_ID } from "../fixture.ts";
import { CpuWatch, type LoadProc, memory, resetPeak, type RuntimeName, sleep } from "../proc.ts";
import type { Row } from "../report.ts";
import { startTarget, type TargetName, targets } from "../targets.ts";
import type { Context } from "./context.ts";

interface Run {
  ms: number;
  joined: number;
  failed: number;
  /** Size of one `server-join` frame, bytes. */
  joinBytes: number;
  /** KiB: resident before the storm, peak during it. */
  rssBefore: number;
  peak: number;
  peakReset: boolean;
  cpu: Record<"server" | "viewers" | "other", number>;
}

/** Server CPU time per viewer joined, ms. */
const cpuPerJoin = (r: Run) => (r.cpu.server * r.ms) / r.joined;

async function measure(ctx: Context, runtime: RuntimeName, target: TargetName, churn: number): Promise<Run> {
  const { storm, members, clients } = ctx.options;
  const server = await startTarget(target, runtime, { staticDir: ctx.site });
  let crowd: Crowd | undefined;
  let producer: LoadProc | undefined;
  try {
    await putGuild(server.url, members);
    if (churn) {
      producer = await startProducer(server, {
        count: churn * 600,
        warm: 0,
        batch: 1,
        window: 1,
        rate: churn,
        churn: Object.keys(fixtureMembers(Math.min(members, 1000))),
      });
      producer.send({ cmd: "go" });
    }
    crowd = await Crowd.spawn(storm, clients, { url: server.ws, server: SHORT_ID, expect: 0, warm: 0, concurrency: 0 });
    await sleep(500); // let the PUT's garbage go before the peak is reset
    const peakReset = resetPeak(server.pid);
    const rssBefore = memory(server.pid).rss;
    const cpu = new CpuWatch({ server: [server.pid], viewers: crowd.pids });
    const joined = await crowd.join();
    return { ...joined, rssBefore, peak: memory(server.pid).hwm, peakReset, cpu: cpu.stop() };
  } finally {
    producer?.send({ cmd: "exit" });
    await producer?.stop();
    await crowd?.exit();
    await server.stop();
  }
}

export async function joinStorm(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const rows: Row[] = [];
  for (const churn of ctx.options.churn ? [0, ctx.options.churn] : [0]) rows.push(...await storm(ctx, runtime, churn));
  return rows;
}

async function storm(ctx: Context, runtime: RuntimeName, churn: number): Promise<Row[]> {
  const { storm, members } = ctx.options;
  const label = churn ? `, ${churn} presences/s` : "";
  const runs = await inTurns(ctx, async (target, round) => {
    ctx.log(`join storm ${runtime} ${target}: ${storm} viewers, ${members} members${label} (round ${round + 1})`);
    const run = await measure(ctx, runtime, target, churn);
    ctx.log(
      `  ${run.ms.toFixed(0)} ms, ${run.joined} joined, ${run.failed} failed, ${(run.joinBytes / 2 ** 20).toFixed(1)} MiB each, ` +
        `peak RSS ${(run.peak / 1024).toFixed(0)} MiB, cores server ${run.cpu.server.toFixed(2)} other ${run.cpu.other.toFixed(2)}`,
    );
    return run;
  }, (run) => run.cpu.other);
  ctx.detail("join storm", runtime, { storm, members, churn, runs });
  const base = { scenario: "join storm", runtime, case: `${storm} viewers × ${members} members${label}` };
  const failed = targets.flatMap((t) => runs[t].filter((r) => r.failed).map((r) => `${t}: ${r.failed} failed`)).join("; ");
  const mib = (t: TargetName, pick: (r: Run) => number) => med(runs, t, pick) / 1024;
  const joinMiB = (med(runs, "d-back", (r) => r.joinBytes) / 2 ** 20).toFixed(1);
  return [
    {
      ...base,
      metric: "all joined",
      unit: "ms",
      higherIsBetter: false,
      dback: med(runs, "d-back", (r) => r.ms),
      ceiling: med(runs, "ceiling", (r) => r.ms),
      note: failed || `server-join is ${joinMiB} MiB; server cores d-back ${med(runs, "d-back", (r) => r.cpu.server).toFixed(2)}, ceiling ${
        med(runs, "ceiling", (r) => r.cpu.server).toFixed(2)
      }`,
    },
    {
      ...base,
      metric: "server CPU per join",
      unit: "ms",
      higherIsBetter: false,
      dback: med(runs, "d-back", cpuPerJoin),
      ceiling: med(runs, "ceiling", cpuPerJoin),
    },
    {
      ...base,
      metric: "peak RSS",
      unit: "MiB",
      higherIsBetter: false,
      dback: mib("d-back", (r) => r.peak),
      ceiling: mib("ceiling", (r) => r.peak),
      note: `before the storm: d-back ${mib("d-back", (r) => r.rssBefore).toFixed(0)} MiB, ceiling ${mib("ceiling", (r) => r.rssBefore).toFixed(0)} MiB` +
        (runs["d-back"].every((r) => r.peakReset) ? "" : "; peak not reset (since start)"),
    },
  ];
}
