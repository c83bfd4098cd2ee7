import { spawn, type ChildProcess } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const isDeno = "Deno" in globalThis;

/** The command that runs a script on the runtime running this test. */
export const scriptCommand = (script: string, args: string[]): [string, string[]] =>
  isDeno ? [process.execPath, ["run", "-A", script, ...args]] : [process.execPath, [script, ...args]];

/** The command that runs d-back's CLI on the runtime running this test. */
export const cliCommand = (args: string[]): [string, string[]] => scriptCommand(main, args);

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (or until `timeout`, then kills it). */
export function runCli(args: string[], env: Record<string, string> = {}, timeout = 15_000): Promise<Finished> {
  return runCommand(cliCommand(args), env, timeout);
}

/** Runs any command to completion (or until `timeout`, then kills it). */
export function runCommand([cmd, argv]: [string, string[]], env: Record<string, string> = {}, timeout = 15_000): Promise<Finished> {
  const child = spawn(cmd, argv, { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  return collect(child, timeout);
}

function collect(child: ChildProcess, timeout: number): Promise<Finished> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => stdout += d);
  child.stderr!.on("data", (d) => stderr += d);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    })
  );
}

/** A running CLI server: its URL (from the `listening` log line) and how to stop it. */
export interface Running {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything written to stderr so far. */
  log(): string;
  /** Sends `signal` and resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<Finished>;
}

/** Starts the CLI with `--port 0` and waits for its `listening` line. */
export function startCli(args: string[] = [], env: Record<string, string> = {}): Promise<Running> {
  return startCommand(cliCommand(["--port", "0", ...args]), env);
}

/** Starts any d-back command (e.g. a built executable, in `cwd`) and waits for its `listening` line. */
export function startCommand([cmd, argv]: [string, string[]], env: Record<string, string> = {}, cwd?: string): Promise<Running> {
  const child = spawn(cmd, argv, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  const done = collect(child, 60_000);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no listening line within 15 s: ${stderr}`));
    }, 15_000);
    child.stderr!.on("data", (d) => {
      stderr += d;
      // The `listening` line as text or as JSON (--log-format json).
      const match = / listening url=(https?:\/\/[^\s]+)/.exec(stderr) ?? /"message":"listening","url":"(https?:\/\/[^"]+)"/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.removeAllListeners("data");
      child.stderr!.on("data", (more) => stderr += more);
      const url = match[1]!;
      resolve({
        url,
        port: Number(new URL(url).port),
        child,
        log: () => stderr,
        stop: async (signal = "SIGTERM") => {
          // Not child.kill(): Deno's node:child_process then reports the signal instead of the exit code.
          process.kill(child.pid!, signal);
          const finished = await done;
          return { ...finished, stderr };
        },
      });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening: ${stderr}`));
    });
  });
}
