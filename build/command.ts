/**
 * What build.ts and release.ts share as command lines: runs `main` on the
 * process's arguments and exits with the code it returns; a failure (a
 * `BuildError`, or anything else) is one line on stderr, named after the
 * script, and exit code 1.
 */
import process from "node:process";

export function runCommand(script: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`${script}: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
