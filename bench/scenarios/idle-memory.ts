/**
 * Idle memory: RSS a server needs per joined viewer that receives nothing.
 * Measured as (RSS with N joined viewers − RSS before) / N, after the
 * guild is loaded and a first small batch of viewers has come and gone.
 */
import { Crowd } from "../crowd.ts";
import { inTurns, med } from "../compare.ts";
import { putGuild, SHORT_ID } from "../fixture.ts";
import { memory, type RuntimeName, sleep } from "../proc.ts";
import type { Row } from "../report.ts";
import { startTarget, type TargetName } from "../targets.ts";
import type { Context } from "./context.ts";

const GUILD_SIZE = 100;

interface Run {
  viewers: number;
  rssBefore: number;
  rssAfter: number;
  perViewer: number;
}

async function measure(ctx: Context, runtime: RuntimeName, target: TargetName): Promise<Run> {
  const n = ctx.options.idle;
  const server = await startTarget(target, runtime, { staticDir: ctx.site });
  let crowd: Crowd | undefined;
  try {
    await putGuild(server.url, GUILD_SIZE);
    const warm = await Crowd.spawn(50, 1, { url: server.ws, server: SHORT_ID, expect: 0, warm: 0, concurrency: 50 });
    await warm.join();
    await warm.exit();
    await sleep(1000);
    const rssBefore = memory(server.pid).rss;
    crowd = await Crowd.spawn(n, ctx.options.clients, { url: server.ws, server: SHORT_ID, expect: 0, warm: 0, concurrency: 200 });
    const joined = await crowd.join();
    if (joined.failed) throw new Error(`${joined.failed} of ${n} viewers could not join: ${joined.reasons.join("; ")}`);
    await sleep(2000);
    const rssAfter = memory(server.pid).rss;
    return { viewers: n, rssBefore, rssAfter, perViewer: (rssAfter - rssBefore) / n };
  } finally {
    await crowd?.exit();
    await server.stop();
  }
}

export async function idleMemory(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const runs = await inTurns(ctx, async (target, round) => {
    ctx.log(`idle memory ${runtime} ${target}: ${ctx.options.idle} viewers (round ${round + 1})`);
    const run = await measure(ctx, runtime, target);
    ctx.log(`  ${run.perViewer.toFixed(1)} KiB per viewer (${run.rssBefore} → ${run.rssAfter} KiB)`);
    return run;
  });
  ctx.detail("idle memory", runtime, { runs });
  const mib = (t: TargetName, pick: (r: Run) => number) => (med(runs, t, pick) / 1024).toFixed(0);
  return [{
    scenario: "idle memory",
    runtime,
    case: `${ctx.options.idle} joined viewers`,
    metric: "RSS per viewer",
    unit: "KiB",
    higherIsBetter: false,
    dback: med(runs, "d-back", (r) => r.perViewer),
    ceiling: med(runs, "ceiling", (r) => r.perViewer),
    note: `RSS before → after: d-back ${mib("d-back", (r) => r.rssBefore)} → ${mib("d-back", (r) => r.rssAfter)} MiB, ceiling ${
      mib("ceiling", (r) => r.rssBefore)
    } → ${mib("ceiling", (r) => r.rssAfter)} MiB`,
  }];
}
