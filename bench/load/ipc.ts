/**
 * How a load process talks to the runner: its settings as one JSON argument,
 * reports as JSON lines on stdout, commands as JSON lines on stdin.
 */
import process from "node:process";
import { createInterface } from "node:readline";

export interface Command {
  cmd: string;
}

/** The process's settings: argv[2] as JSON. */
export const settings = <T>(): T => JSON.parse(process.argv[2] ?? "{}") as T;

export const emit = (report: { type: string } & Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(report) + "\n");
};

/** Calls `handle` for each command line; the process exits when the runner closes stdin. */
export function onCommand(handle: (command: Command) => void): void {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim()) handle(JSON.parse(line) as Command);
  });
  lines.on("close", () => process.exit(0));
}
