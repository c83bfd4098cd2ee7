/**
 * Cold start: from spawning a server to its first HTTP 200 for `/`, median
 * of a few runs (after one unmeasured run fills the runtime's caches). d-back
 * and the ceiling run from source; the single executable is measured too
 * when bench/binary.ts (issue #3) can build one.
 */
import { existsSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { path, type RuntimeName, ServerProc, sleep } from "../proc.ts";
import type { Row } from "../report.ts";
import { median } from "../stats.ts";
import { targetCommand, type TargetName, targets } from "../targets.ts";
import type { Context } from "./context.ts";

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** ms from spawn to the first 200 for `/`. */
async function once(cmd: string, args: string[], env: Record<string, string>, port: number): Promise<number> {
  const t0 = performance.now();
  const proc = new ServerProc(cmd, args, env);
  let exited = false;
  proc.exited.then(() => exited = true);
  try {
    for (;;) {
      if (exited) throw new Error(`exited before answering: ${proc.stderr.trim()}`);
      if (performance.now() - t0 > 30_000) throw new Error("no 200 within 30 s");
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - t0;
      } catch { /* not listening yet */ }
      await sleep(2);
    }
  } finally {
    await proc.stop();
  }
}

async function timed(ctx: Context, command: (port: number) => [string, string[], Record<string, string>]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i <= ctx.options.coldRuns; i++) {
    const port = await freePort();
    const t = await once(...command(port), port);
    if (i > 0) times.push(t); // the first run fills caches
  }
  return times;
}

/**
 * The single executable, when bench/binary.ts exists and exports
 * `buildExecutable(runtime)` resolving to its path (or a reason it cannot).
 */
async function executable(runtime: RuntimeName): Promise<string | { skipped: string }> {
  const file = path("bench/binary.ts");
  if (!existsSync(file)) return { skipped: "skipped: no executable build" };
  const mod = await import(new URL("../binary.ts", import.meta.url).href) as {
    buildExecutable?: (runtime: RuntimeName) => Promise<string | { skipped: string }>;
  };
  if (typeof mod.buildExecutable !== "function") return { skipped: "skipped: bench/binary.ts has no buildExecutable()" };
  return await mod.buildExecutable(runtime);
}

export async function coldStart(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const medians = {} as Record<TargetName, number>;
  const runs: Record<string, number[]> = {};
  for (const target of targets) {
    ctx.log(`cold start ${runtime} ${target} (from source), ${ctx.options.coldRuns} runs`);
    const times = runs[target] = await timed(ctx, (port) => targetCommand(target, runtime, { staticDir: ctx.site, port }));
    medians[target] = median(times);
    ctx.log(`  median ${medians[target].toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")})`);
  }
  const rows: Row[] = [{
    scenario: "cold start",
    runtime,
    case: `${runtime} src/main.ts`,
    metric: "spawn → first 200",
    unit: "ms",
    higherIsBetter: false,
    dback: medians["d-back"],
    ceiling: medians.ceiling,
  }];
  const exe = await executable(runtime);
  if (typeof exe === "string") {
    ctx.log(`cold start ${runtime} executable ${exe}`);
    const [, dbackArgs, env] = targetCommand("d-back", runtime, { staticDir: ctx.site });
    const args = (port: number) => dbackArgs.slice(dbackArgs.indexOf("--port")).map((a, i, all) => all[i - 1] === "--port" ? String(port) : a);
    const times = runs.executable = await timed(ctx, (port) => [exe, args(port), env]);
    const bytes = statSync(exe).size;
    rows.push(
      { scenario: "cold start", runtime, case: "executable", metric: "spawn → first 200", unit: "ms", higherIsBetter: false, dback: median(times), ceiling: null },
      { scenario: "cold start", runtime, case: "executable", metric: "size", unit: "MiB", higherIsBetter: false, dback: bytes / 2 ** 20, ceiling: null },
    );
  } else {
    ctx.log(`cold start ${runtime} executable: ${exe.skipped}`);
    rows.push({ scenario: "cold start", runtime, case: "executable", metric: "spawn → first 200", unit: "ms", higherIsBetter: false, dback: null, ceiling: null, note: exe.skipped });
  }
  ctx.detail("cold start", runtime, { runs });
  return rows;
}
