/**
 * Builds the single-file d-back executable into dist/: `bun run build`,
 * `deno task build`, or `bun build.ts --help` for the options. The steps live
 * in build/; this is the command line around them.
 */
import { VERSION } from "./src/version.ts";
import { buildHelp, parseBuildFlags } from "./build/options.ts";
import { buildExecutable } from "./build/build.ts";
import { runCommand } from "./build/command.ts";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} kB`;

runCommand("build.ts", {
  parse: parseBuildFlags,
  help: () => buildHelp(VERSION),
  run: async (flags) => {
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
  },
});
