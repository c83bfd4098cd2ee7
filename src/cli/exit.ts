/**
 * How the command ends after SIGINT or SIGTERM. Normally: exit with the given
 * code. Under a file watcher (`deno task dev` and `npm run dev` set
 * DBACK_WATCHED=1), ending the script is not enough: `deno run --watch` keeps
 * waiting for the next change, so Ctrl-C would leave it hanging. There SIGINT
 * is raised again with no handler left, and it ends the watcher too
 * (`deno task dev` exits 130, as a shell reports it; `bun run dev` exits 0).
 * SIGTERM is what `deno run --watch` itself sends before it restarts on a
 * change: raising that one again would kill the watcher with the server, so it
 * ends only this run (the watcher keeps a script's exit from ending it).
 */
import process from "node:process";

export type StopSignal = "SIGINT" | "SIGTERM";

/** Whether a file watcher runs this process (and forwards it every Ctrl-C, and ends it on a second one). */
export const underWatcher = (env: Record<string, string | undefined> = process.env): boolean => env.DBACK_WATCHED === "1";

export function exitAfterSignal(signal: StopSignal, code: number): void {
  if (underWatcher() && signal === "SIGINT") {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code);
}

