/**
 * The servers a scenario measures, each started as its own process: d-back
 * (src/main.ts) and the ceiling (bench/ceiling/) on one runtime.
 */
import process from "node:process";
import { path, runScript, type RuntimeName, ServerProc } from "./proc.ts";
import { TOKEN } from "./fixture.ts";

export type TargetName = "d-back" | "ceiling";
export const targets: readonly TargetName[] = ["d-back", "ceiling"];

export interface TargetOptions {
  staticDir: string;
  /** Leave `--port` out (cold start adds its own); otherwise the target listens on a free port. */
  noPort?: boolean;
}

/** The command line that starts a target (exported for cold start, which times the spawn itself). */
export function targetCommand(target: TargetName, runtime: RuntimeName, o: TargetOptions): [string, string[], Record<string, string>] {
  const port = o.noPort ? [] : ["--port", "0"];
  if (target === "ceiling") {
    return [...runScript(runtime, path(`bench/ceiling/${runtime}.ts`), [...port, "--static-dir", o.staticDir]), {}];
  }
  // Every load process connects from 127.0.0.1, so the admission limits are lifted; all other limits keep their defaults.
  const args = [
    ...port,
    ...["--static-dir", o.staticDir, "--ingest-max-bytes", String(256 * 1024 * 1024), "--log-level", "info"],
    ...["--max-connections", "0", "--max-connections-per-ip", "0"],
  ];
  // A profiling aid: BENCH_DBACK_FLAGS="--cpu-prof-md --cpu-prof-dir=/tmp/prof" bun run bench -- --runtime bun …
  const flags = process.env.BENCH_DBACK_FLAGS?.split(" ").filter(Boolean) ?? [];
  return [...runScript(runtime, path("src/main.ts"), args, flags), { DBACK_INGEST_TOKEN: TOKEN }];
}

/** Starts a target and waits until it listens. */
export async function startTarget(target: TargetName, runtime: RuntimeName, o: TargetOptions): Promise<ServerProc> {
  const [cmd, args, env] = targetCommand(target, runtime, o);
  const server = new ServerProc(cmd, args, env);
  try {
    await server.ready();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
