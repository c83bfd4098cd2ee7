/**
 * The built executable's size and cold start: bytes on disk, and the time
 * from spawning the process to its first HTTP 200 (on /api/version), over a
 * few runs. The benchmark suite calls `measureBinary`; run alone with
 *
 *   bun bench/binary.ts [EXECUTABLE] [--runs N]     (default dist/d-back, 5 runs)
 *
 * Start-up is timed from outside, by polling the port, so nothing in d-back's
 * own logging takes part in the figure.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

export interface BinaryFigures {
  path: string;
  bytes: number;
  /** Process start to first HTTP 200, in ms, one per run. */
  coldStartMs: number[];
  medianMs: number;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * One start of `command` with `--port N` added: spawn, poll until `urlPath`
 * (/api/version) answers 200, stop. The suite times servers run from source
 * (and its ceiling servers) with it too.
 */
export async function coldStart(
  [path, ...args]: [string, ...string[]],
  timeoutMs: number,
  env: Record<string, string> = {},
  urlPath = "/api/version",
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(path, [...args, "--port", String(port)], { stdio: "ignore", env: { ...process.env, ...env } });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  exited.then((code) => exitCode = code);
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`${path} exited with ${exitCode} before answering`);
      if (performance.now() - started > timeoutMs) throw new Error(`${path} did not answer within ${timeoutMs} ms`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}${urlPath}`);
        await response.arrayBuffer();
        if (response.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    if (exitCode === undefined) {
      process.kill(child.pid!, "SIGTERM");
      await exited;
    }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Measures an executable: its size, and `runs` cold starts one after another. */
export async function measureBinary(path: string, { runs = 5, timeoutMs = 30_000 } = {}): Promise<BinaryFigures> {
  if (!existsSync(path)) throw new Error(`${path} does not exist; build it first with \`bun run build\``);
  const coldStartMs: number[] = [];
  for (let i = 0; i < runs; i++) coldStartMs.push(await coldStart([path, "--log-level", "error"], timeoutMs));
  return { path, bytes: statSync(path).size, coldStartMs, medianMs: median(coldStartMs) };
}

/** One line for a report. */
export function formatBinary(f: BinaryFigures): string {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  return `executable ${f.path}: ${(f.bytes / 1e6).toFixed(1)} MB; cold start to first HTTP 200: median ${ms(f.medianMs)} ` +
    `(min ${ms(Math.min(...f.coldStartMs))}, max ${ms(Math.max(...f.coldStartMs))}; ${f.coldStartMs.length} runs)`;
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
  const path = argv.find((arg, i) => !arg.startsWith("--") && (runsAt < 0 || i !== runsAt + 1)) ??
    join(fileURLToPath(new URL("..", import.meta.url)), "dist", "d-back");
  if (!Number.isInteger(runs) || runs < 1) {
    console.error("bench/binary.ts: --runs must be a whole number of at least 1");
    process.exit(2);
  }
  measureBinary(path, { runs }).then(
    (figures) => console.log(formatBinary(figures)),
    (error) => {
      console.error(`bench/binary.ts: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
