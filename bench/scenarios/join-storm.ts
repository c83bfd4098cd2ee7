/**
 * Join storm: N viewers connect at once and join a guild of M members; the
 * time from the first `go` to the last `server-join`, and the server's peak
 * RSS over the storm (VmHWM, reset just before it).
 */
import { Crowd } from "../crowd.ts";
import { inTurns, med } from "../compare.ts";
import { putGuild, SHORT_ID } from "../fixture.ts";
import { CpuWatch, memory, resetPeak, type RuntimeName, sleep } from "../proc.ts";
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

async function measure(ctx: Context, runtime: RuntimeName, target: TargetName): Promise<Run> {
  const { storm, members, clients } = ctx.options;
  const server = await startTarget(target, runtime, { staticDir: ctx.site });
  let crowd: Crowd | undefined;
  try {
    await putGuild(server.url, members);
    crowd = await Crowd.spawn(storm, clients, { url: server.ws, server: SHORT_ID, expect: 0, warm: 0, concurrency: 0 });
    await sleep(500); // let the PUT's garbage go before the peak is reset
    const peakReset = resetPeak(server.pid);
    const rssBefore = memory(server.pid).rss;
    const cpu = new CpuWatch({ server: [server.pid], viewers: crowd.pids });
    const joined = await crowd.join();
    return { ...joined, rssBefore, peak: memory(server.pid).hwm, peakReset, cpu: cpu.stop() };
  } finally {
    await crowd?.exit();
    await server.stop();
  }
}

export async function joinStorm(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const { storm, members } = ctx.options;
  const runs = await inTurns(ctx, async (target, round) => {
    ctx.log(`join storm ${runtime} ${target}: ${storm} viewers, ${members} members (round ${round + 1})`);
    const run = await measure(ctx, runtime, target);
    ctx.log(
      `  ${run.ms.toFixed(0)} ms, ${run.joined} joined, ${run.failed} failed, ${(run.joinBytes / 2 ** 20).toFixed(1)} MiB each, ` +
        `peak RSS ${(run.peak / 1024).toFixed(0)} MiB, cores server ${run.cpu.server.toFixed(2)} other ${run.cpu.other.toFixed(2)}`,
    );
    return run;
  }, (run) => run.cpu.other);
  ctx.detail("join storm", runtime, { storm, members, runs });
  const base = { scenario: "join storm", runtime, case: `${storm} viewers × ${members} members` };
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
      note: failed || `server-join is ${joinMiB} MiB`,
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
