/**
 * Builds the single-file d-back executable into dist/: `bun run build`,
 * `deno task build`, or `bun build.ts --help` for the options. The steps live
 * in build/; this is the command line around them.
 */
import { VERSION } from "./src/version.ts";
import { buildHelp, parseBuildFlags, UsageError } from "./build/options.ts";
import { buildExecutable } from "./build/build.ts";
import { runCommand } from "./build/command.ts";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} kB`;

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseBuildFlags(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`build.ts: ${error.message} (see build.ts --help)`);
    return 2;
  }
  if (flags.help) {
    console.log(buildHelp(VERSION));
    return 0;
  }
  const built = await buildExecutable({
    dzone: flags.dzone,
    noDzone: flags["no-dzone"],
    compiler: flags.compiler,
    target: flags.target,
    out: flags.out,
    log: (line) => console.error(`build.ts: ${line}`),
  });
  const p = built.pack;
  console.log(
    `built ${built.outfile}: ${mb(built.bytes)}, d-back ${VERSION}, ${built.site.description} ` +
      `(${p.files} files, ${kb(p.plain)}; ${kb(p.total - p.plain)} more as brotli and gzip)`,
  );
  return 0;
}

runCommand("build.ts", main);
