/**
 * wrk, when the machine has it: a keep-alive HTTP load generator in C that
 * takes far less CPU per request than a JavaScript client, which matters
 * when server and load share two cores. Found on PATH; installed with
 * apt-get only when the runner is asked to (`--install-wrk`).
 */
import { execFileSync, spawn } from "node:child_process";
import process from "node:process";

export function findWrk(): string | undefined {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return "wrk";
  } catch (error) {
    // wrk --version prints its usage and exits 1: it is there all the same.
    return (error as { code?: string }).code === "ENOENT" ? undefined : "wrk";
  }
}

/** Installs wrk with apt-get (as root, or through sudo). Returns whether it worked. */
export function installWrk(log: (line: string) => void): boolean {
  log("installing wrk for the static scenario: apt-get install -y wrk");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  for (const args of [["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]]) {
    try {
      const [cmd, ...rest] = [...sudo, ...args];
      execFileSync(cmd!, rest, { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
      if (args[1] === "install" && findWrk()) return true;
    } catch { /* try the next step */ }
  }
  log("could not install wrk");
  return false;
}

export interface WrkResult {
  perSecond: number;
  bytesPerSecond: number;
  requests: number;
  /** Responses that were not 2xx, and socket errors. */
  non2xx: number;
  errors: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const transfer = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    perSecond: num(/Requests\/sec:\s+([\d.]+)/),
    bytesPerSecond: transfer ? Number(transfer[1]) * UNITS[transfer[2]!]! : 0,
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    errors: errors ? errors.slice(1).reduce((s, n) => s + Number(n), 0) : 0,
  };
}

/** Runs wrk against `url`; `started` gets its pid as soon as it runs (to watch its CPU). */
export function runWrk(url: string, connections: number, seconds: number, started?: (pid: number) => void): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", ["-t2", `-c${connections}`, `-d${seconds}s`, url], { stdio: ["ignore", "pipe", "pipe"] });
    started?.(child.pid!);
    let out = "";
    child.stdout!.on("data", (d) => out += d);
    child.stderr!.on("data", (d) => out += d);
    child.on("error", reject);
    child.on("close", (code) => code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited with ${code}: ${out.trim()}`)));
  });
}
