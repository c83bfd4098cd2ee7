/**
 * Cold start: from spawning a server to its first HTTP 200 on /api/version,
 * median of a few runs (after one unmeasured run fills the runtime's
 * caches). The d-back command answers that before the rest of it has loaded
 * (src/http/early-listener.ts), so the time to its first file, served only
 * once the whole server has started, is a second row. d-back and the ceiling run from source, and in the ceiling's turn
 * also the floor: the ceiling started after loading d-back's libraries
 * (bench/ceiling/with-libraries.ts), which no change to d-back's own code
 * can go under. The single executable
 * (`bun run build`) is measured with bench/binary.ts beside the Bun ceiling
 * compiled the same way, with both sizes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { coldStart, measureBinary } from "../binary.ts";
import { inTurns, med } from "../compare.ts";
import { binary, path, repo, runScript, type RuntimeName } from "../proc.ts";
import type { Row } from "../report.ts";
import { median } from "../stats.ts";
import { targetCommand } from "../targets.ts";
import type { Context } from "./context.ts";

const TIMEOUT = 30_000;

/** A small file of the bench's site (bench/fixture.ts) and of d-zone's build. */
const FILE = "/discord-callback.html";

/** Median start of a command, until `urlPath` answers. */
async function medianStart(
  ctx: Context,
  [cmd, args, env]: [string, string[], Record<string, string>],
  urlPath?: string,
): Promise<number> {
  await coldStart([cmd, ...args], TIMEOUT, env, urlPath); // fills the runtime's caches
  const times: number[] = [];
  for (let i = 0; i < ctx.options.coldRuns; i++) times.push(await coldStart([cmd, ...args], TIMEOUT, env, urlPath));
  return median(times);
}

/** The Bun ceiling compiled the way build.ts compiles d-back (`bun build --compile`), in a temporary folder. */
function compileCeiling(): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "dback-bench-ceiling-"));
  const file = join(dir, "ceiling");
  const built = spawnSync(binary("bun"), ["build", "--compile", "--minify", path("bench/ceiling/bun.ts"), "--outfile", file], {
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`could not compile the ceiling: ${built.stderr.trim()}`);
  return { file, dir };
}

async function executableRows(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const exe = resolve(repo, ctx.options.executable);
  const base = { scenario: "cold start", runtime, case: `executable ${ctx.options.executable}` };
  if (!existsSync(exe)) {
    const note = `skipped: no executable at ${ctx.options.executable} (build one with bun run build)`;
    ctx.log(`cold start executable: ${note}`);
    return [{ ...base, metric: "spawn → first 200", unit: "ms", higherIsBetter: false, dback: null, ceiling: null, note }];
  }
  const ceiling = compileCeiling();
  try {
    const runs = await inTurns(ctx, (target, round) => {
      ctx.log(`cold start executable ${target} (round ${round + 1})`);
      return measureBinary(target === "d-back" ? exe : ceiling.file, { runs: ctx.options.coldRuns });
    });
    ctx.detail("cold start executable", runtime, { runs });
    return [
      { ...base, metric: "spawn → first 200", unit: "ms", higherIsBetter: false, dback: med(runs, "d-back", (r) => r.medianMs), ceiling: med(runs, "ceiling", (r) => r.medianMs) },
      {
        ...base,
        metric: "size",
        unit: "MiB",
        higherIsBetter: false,
        dback: runs["d-back"][0]!.bytes / 2 ** 20,
        ceiling: runs.ceiling[0]!.bytes / 2 ** 20,
        note: "ceiling: bench/ceiling/bun.ts compiled with bun build --compile",
      },
    ];
  } finally {
    rmSync(ceiling.dir, { recursive: true, force: true });
  }
}

interface SourceStart {
  ms: number;
  /** Until a file of the site answers. */
  file: number;
  /** The floor, measured in the ceiling's turn. */
  floor?: number;
}

export async function coldStartScenario(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const runs = await inTurns<SourceStart>(ctx, async (target, round) => {
    ctx.log(`cold start ${runtime} ${target} from source, ${ctx.options.coldRuns} runs (round ${round + 1})`);
    const command = targetCommand(target, runtime, { staticDir: ctx.site, noPort: true });
    const ms = await medianStart(ctx, command);
    const file = await medianStart(ctx, command, FILE);
    ctx.log(`  median ${ms.toFixed(1)} ms; to ${FILE} ${file.toFixed(1)} ms`);
    if (target === "d-back") return { ms, file };
    const floor = await medianStart(ctx, [...runScript(runtime, path("bench/ceiling/with-libraries.ts"), ["--static-dir", ctx.site]), {}]);
    ctx.log(`  floor (the ceiling after d-back's libraries): median ${floor.toFixed(1)} ms`);
    return { ms, file, floor };
  });
  ctx.detail("cold start", runtime, { runs });
  const base = { scenario: "cold start", runtime, metric: "spawn → first 200", unit: "ms", higherIsBetter: false } as const;
  const ceiling = med(runs, "ceiling", (r) => r.ms);
  const rows: Row[] = [
    { ...base, case: `${runtime} src/main.ts`, dback: med(runs, "d-back", (r) => r.ms), ceiling },
    {
      ...base,
      metric: `spawn → first 200 on ${FILE}`,
      case: `${runtime} src/main.ts, the whole server started`,
      dback: med(runs, "d-back", (r) => r.file),
      ceiling: med(runs, "ceiling", (r) => r.file),
      note: "d-back answers /api/version before the rest of it has loaded; a file only once it has started",
    },
    {
      ...base,
      case: "floor: the ceiling after hono, valibot, node:util/process/fs/path",
      dback: med(runs, "ceiling", (r) => r.floor!),
      ceiling,
      note: "d-back column: bench/ceiling/with-libraries.ts; no d-back code, only what d-back must load",
    },
  ];
  // The executable is compiled by Bun (build.ts's default compiler): measured once, with the Bun rows.
  if (runtime === "bun") rows.push(...await executableRows(ctx, runtime));
  return rows;
}

