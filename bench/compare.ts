/**
 * d-back and its ceiling measured in turns (d-back, ceiling, d-back, …), so
 * that load from elsewhere on a shared machine falls on both alike; each
 * figure is then the median over the repeats.
 */
import type { TargetName } from "./targets.ts";
import { targets } from "./targets.ts";
import { median } from "./stats.ts";
import type { Context } from "./scenarios/context.ts";
import { machineBusy, sleep } from "./proc.ts";

/**
 * Waits (up to a minute) until the rest of the machine uses less than a
 * quarter of a core, so a measurement does not start in someone else's burst.
 */
export async function quiet(ctx: Context): Promise<void> {
  if (ctx.options.noWait) return;
  const deadline = performance.now() + 60_000;
  let warned = false;
  for (;;) {
    const b0 = machineBusy(), t0 = performance.now();
    await sleep(500);
    const cores = (machineBusy() - b0) / ((performance.now() - t0) / 1000);
    if (cores < 0.25) return;
    if (performance.now() > deadline) {
      ctx.log(`  the machine is still busy (${cores.toFixed(2)} cores used by other processes); measuring anyway`);
      return;
    }
    if (!warned) ctx.log(`  waiting for other processes to calm down (${cores.toFixed(2)} cores busy)`);
    warned = true;
  }
}

export type Runs<R> = Record<TargetName, R[]>;

/** CPU (cores) other processes may use during a measurement before it is taken again. */
const NOISE = 0.3;

/**
 * Measures each target `repeat` times, in turns. When `interference` says
 * other processes took more than a third of a core during a run, the run is
 * taken again (up to twice), keeping the least disturbed attempt.
 */
export async function inTurns<R>(
  ctx: Context,
  measure: (target: TargetName, round: number) => Promise<R>,
  interference?: (run: R) => number,
): Promise<Runs<R>> {
  const runs: Runs<R> = { "d-back": [], ceiling: [] };
  for (let round = 0; round < ctx.options.repeat; round++) {
    for (const target of targets) {
      let best: R | undefined;
      // Told not to wait for quiet (--no-wait), a run is not taken again either: the spread over rounds says how noisy it was.
      const attempts = ctx.options.noWait ? 1 : 3;
      for (let attempt = 0; attempt < attempts; attempt++) {
        await quiet(ctx);
        const run = await measure(target, round);
        if (!best || (interference && interference(run) < interference(best))) best = run;
        if (!interference || interference(run) <= NOISE) break;
        const again = attempt + 1 < attempts ? "measuring again" : "kept";
        ctx.log(`  other processes used ${interference(run).toFixed(2)} cores meanwhile; ${again}`);
      }
      runs[target].push(best!);
    }
  }
  return runs;
}

/** The median of one numeric field over a target's runs. */
export const med = <R>(runs: Runs<R>, target: TargetName, pick: (r: R) => number): number => median(runs[target].map(pick));
