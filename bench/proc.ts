/**
 * Processes the runner starts: servers under test and load generators. Each
 * is a real child process; servers are found by their `listening url=` line,
 * load generators talk JSON lines (bench/load/ipc.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";

export const repo = fileURLToPath(new URL("..", import.meta.url));
export const path = (relative: string) => fileURLToPath(new URL(`../${relative}`, import.meta.url));

export type RuntimeName = "bun" | "deno";

/** The project's own runtime binary (npm devDependency), else the one on PATH. */
export function binary(name: RuntimeName): string {
  const local = path(`node_modules/.bin/${name}`);
  return existsSync(local) ? local : name;
}

/**
 * The command line that runs a TypeScript file on a runtime, with Deno's
 * permissions for a server. `runtimeFlags` go to the runtime (e.g. Bun's
 * `--cpu-prof-md` to profile a server under load).
 */
export const runScript = (runtime: RuntimeName, file: string, args: string[] = [], runtimeFlags: string[] = []): [string, string[]] =>
  runtime === "bun"
    ? [binary("bun"), [...runtimeFlags, file, ...args]]
    : [binary("deno"), ["run", "--allow-net", "--allow-read", "--allow-env", ...runtimeFlags, file, ...args]];

/** Memory of a process from /proc, in KiB: resident now and the peak since start (or since `resetPeak`). */
export function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Resets the peak RSS (VmHWM) to the current RSS, so the next peak belongs to what runs next. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** CPU time a process has used, in seconds (user + system, all threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A child process whose stderr we keep, for error messages. */
abstract class Proc {
  readonly child: ChildProcess;
  #stderr = "";
  #exited: Promise<number | null>;

  constructor(cmd: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(cmd, args, { cwd: repo, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-20_000);
      this.onStderr(d);
    });
    this.#exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.#stderr;
  }

  protected onStderr(_chunk: string): void {}

  /** Ends the process (SIGTERM, then SIGKILL after `graceMs`). */
  async stop(graceMs = 3000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // Not child.kill(): Deno's node:child_process then reports the signal instead of the exit code.
    try {
      process.kill(this.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(this.pid, "SIGKILL");
      } catch { /* already gone */ }
    }, graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  get exited(): Promise<number | null> {
    return this.#exited;
  }
}

/** A server under test, found by the `listening url=…` line it writes to stderr. */
export class ServerProc extends Proc {
  url = "";
  #ready: Promise<string>;
  #found?: (url: string) => void;

  constructor(cmd: string, args: string[], env: Record<string, string> = {}) {
    super(cmd, args, env);
    this.#ready = new Promise((resolve, reject) => {
      this.#found = resolve;
      this.exited.then((code) => reject(new Error(`server exited with ${code} before listening: ${this.stderr.trim()}`)));
    });
  }

  protected override onStderr(): void {
    const match = / listening url=(http:\/\/[^\s]+)/.exec(this.stderr);
    if (match && !this.url) {
      this.url = match[1]!;
      this.#found?.(this.url);
    }
  }

  /** Resolves with the base URL once listening. */
  ready(timeoutMs = 30_000): Promise<string> {
    return withTimeout(this.#ready, timeoutMs, () => `server not listening within ${timeoutMs} ms: ${this.stderr.trim()}`);
  }

  get ws(): string {
    return this.url.replace(/^http/, "ws");
  }
}

/** A report line from a load process. */
export type Report = { type: string } & Record<string, any>;

/** A load generator: a Bun script under bench/load/ with JSON settings; reports and commands as JSON lines. */
export class LoadProc extends Proc {
  readonly name: string;
  #reports: Report[] = [];
  #waiters: { type: string; resolve: (r: Report) => void }[] = [];
  #listeners = new Map<string, (r: Report) => void>();
  #buffer = "";

  constructor(script: string, config: unknown) {
    super(binary("bun"), [path(`bench/load/${script}`), JSON.stringify(config)]);
    this.name = script;
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (d: string) => {
      this.#buffer += d;
      let nl: number;
      while ((nl = this.#buffer.indexOf("\n")) >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line.trim()) this.#deliver(JSON.parse(line) as Report);
      }
    });
    this.child.stdin!.on("error", () => {}); // a load process that died is reported by next(), not by EPIPE
  }

  /** Hands every report of `type` to `listener` instead of queueing it for `next`. */
  on(type: string, listener: (r: Report) => void): void {
    this.#listeners.set(type, listener);
  }

  #deliver(report: Report): void {
    const listener = this.#listeners.get(report.type);
    if (listener) return listener(report);
    const i = this.#waiters.findIndex((w) => w.type === report.type);
    if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(report);
    else this.#reports.push(report);
  }

  /** The next report of `type`. */
  next(type: string, timeoutMs = 120_000): Promise<Report> {
    const i = this.#reports.findIndex((r) => r.type === type);
    if (i >= 0) return Promise.resolve(this.#reports.splice(i, 1)[0]!);
    const waiting = new Promise<Report>((resolve, reject) => {
      this.#waiters.push({ type, resolve });
      this.exited.then((code) => reject(new Error(`${this.name} exited with ${code} while waiting for "${type}": ${this.stderr.trim()}`)));
    });
    return withTimeout(waiting, timeoutMs, () => `${this.name}: no "${type}" report within ${timeoutMs} ms ${this.stderr.trim()}`);
  }

  send(command: { cmd: string } & Record<string, unknown>): void {
    this.child.stdin!.write(JSON.stringify(command) + "\n");
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(message())), ms));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Busy CPU time of the whole machine so far, in seconds (all cores, from /proc/stat). */
export function machineBusy(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/**
 * CPU used by groups of processes over an interval, in cores (1 = one core
 * busy all along), and by everything else on the machine ("other"): other
 * load on a shared machine shows up here instead of silently in the figures.
 */
export class CpuWatch<K extends string> {
  #pids: Record<K, number[]>;
  #start: Record<K, number>;
  #machine = machineBusy();
  #at = performance.now();

  constructor(pids: Record<K, number[]>) {
    this.#pids = pids;
    this.#start = this.#sample();
  }

  #sample(): Record<K, number> {
    const out = {} as Record<K, number>;
    for (const k of Object.keys(this.#pids) as K[]) {
      out[k] = this.#pids[k].reduce((s, pid) => {
        try {
          return s + cpuSeconds(pid);
        } catch {
          return s;
        }
      }, 0);
    }
    return out;
  }

  stop(): Record<K | "other", number> {
    const seconds = (performance.now() - this.#at) / 1000;
    const end = this.#sample();
    const out = {} as Record<K | "other", number>;
    let ours = 0;
    for (const k of Object.keys(end) as K[]) {
      const used = end[k] - this.#start[k];
      ours += used;
      out[k] = used / seconds;
    }
    out.other = Math.max(0, (machineBusy() - this.#machine - ours) / seconds);
    return out;
  }
}
