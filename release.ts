/**
 * Builds a release into dist/release/: the executable for every platform and
 * SHA256SUMS. `bun run release`, `deno task release`, or `bun release.ts
 * --help`. Takes the same d-zone options as build.ts; the steps live in
 * build/release.ts.
 */
import * as v from "valibot";
import { VERSION } from "./src/version.ts";
import { flags as buildFlags, dzoneOrNot, parseFlags } from "./build/options.ts";
import { buildRelease, type Platform, platforms } from "./build/release.ts";
import { runCommand } from "./build/command.ts";

const PlatformName = v.picklist(Object.keys(platforms) as Platform[], `must be one of ${Object.keys(platforms).join(", ")}`);
const Flags = v.pipe(
  v.object({
    dzone: v.optional(buildFlags.dzone.schema),
    "no-dzone": v.optional(v.boolean()),
    out: v.optional(v.pipe(v.string(), v.nonEmpty("must not be empty"))),
    platform: v.optional(v.array(PlatformName)),
    help: v.optional(v.boolean()),
  }),
  dzoneOrNot(),
);

const help = `release.ts: builds d-back ${VERSION} for every platform, with SHA256SUMS

Usage: bun run release [options]      (or: deno task release [options])

Writes dist/release/d-back-${VERSION}-<platform>[.exe] for ${Object.keys(platforms).join(", ")}
and dist/release/SHA256SUMS. Bun cross-compiles; it fetches each target's runtime from the npm
registry (@oven/bun-<os>-<arch>) on first use.

Options:
  --dzone PATH        ${buildFlags.dzone.help}
  --no-dzone          ${buildFlags["no-dzone"].help}
  --out DIR           where to write them (default dist/release; emptied first)
  --platform NAME     only this platform (may be repeated)
  -h, --help          print this help and exit

Without --dzone or --no-dzone it embeds the pinned d-zone download, as build.ts does.
`;

runCommand("release.ts", {
  parse: (argv) =>
    parseFlags(argv, {
      dzone: { type: "string" },
      "no-dzone": { type: "boolean" },
      out: { type: "string" },
      platform: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    }, Flags),
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
