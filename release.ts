/**
 * Builds a release into dist/release/: the executable for every platform and
 * SHA256SUMS. `bun run release`, `deno task release`, or `bun release.ts
 * --help`. Takes the same d-zone options as build.ts; the steps live in
 * build/release.ts.
 */
import * as v from "valibot";
import { VERSION } from "./src/version.ts";
import { flags as buildFlags, dzoneOrNot, helpRows, NonEmpty, parseFlags, tableSchema } from "./build/options.ts";
import { buildRelease, type Platform, platforms } from "./build/release.ts";
import { runCommand } from "./build/command.ts";

const PlatformName = v.picklist(Object.keys(platforms) as Platform[], `must be one of ${Object.keys(platforms).join(", ")}`);

/** release.ts's flags, as one table (build/options.ts reads it): the d-zone ones are build.ts's. */
const flags = {
  dzone: buildFlags.dzone,
  "no-dzone": buildFlags["no-dzone"],
  out: { value: "DIR", schema: NonEmpty, help: "where to write them (default dist/release; emptied first)" },
  platform: { value: "NAME", multiple: true, schema: v.array(PlatformName), help: "only this platform (may be repeated)" },
  help: buildFlags.help,
} as const;
const Flags = v.pipe(tableSchema(flags), dzoneOrNot());

const help = `release.ts: builds d-back ${VERSION} for every platform, with SHA256SUMS

Usage: bun run release [options]      (or: deno task release [options])

Writes dist/release/d-back-${VERSION}-<platform>[.exe] for ${Object.keys(platforms).join(", ")}
and dist/release/SHA256SUMS. Bun cross-compiles; it fetches each target's runtime from the npm
registry (@oven/bun-<os>-<arch>) on first use.

Options:
${helpRows(flags)}

Without --dzone or --no-dzone it embeds the pinned d-zone download, as build.ts does.
`;

runCommand("release.ts", {
  parse: (argv) => parseFlags(argv, flags, Flags),
  help: () => help,
  run: async (flags) => {
    const released = await buildRelease({
      dzone: flags.dzone,
      noDzone: flags["no-dzone"],
      outDir: flags.out,
      platforms: flags.platform,
      log: (line) => console.error(`release.ts: ${line}`),
    });
    for (const f of released.files) console.log(`${f.sha256}  ${f.path} (${(f.bytes / 1e6).toFixed(1)} MB)`);
    console.log(`wrote ${released.sums}`);
  },
});
