/**
 * The command line build.ts and release.ts share: flags read by `parse`
 * (a `UsageError` is one line and exit code 2), `--help` printed, else
 * `run`, then exit 0. A failure (a `BuildError`, or anything else) is one
 * line on stderr, named after the script, and exit code 1.
 */
import process from "node:process";
import { UsageError } from "./options.ts";

export interface Command<F extends { help?: boolean }> {
  parse: (argv: string[]) => F;
  help: () => string;
  run: (flags: F) => Promise<void>;
}

export function runCommand<F extends { help?: boolean }>(script: string, command: Command<F>): void {
  main(script, command, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`${script}: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

async function main<F extends { help?: boolean }>(script: string, command: Command<F>, argv: string[]): Promise<number> {
  let flags;
  try {
    flags = command.parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${script}: ${error.message} (see ${script} --help)`);
    return 2;
  }
  if (flags.help) {
    console.log(command.help());
    return 0;
  }
  await command.run(flags);
  return 0;
}
