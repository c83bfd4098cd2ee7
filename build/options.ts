/**
 * build.ts's flags, as one table: parsing, validation and `--help` all come
 * from it (as d-back's own flags come from src/cli/options.ts).
 */
import * as v from "valibot";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NonEmpty = v.pipe(v.string(), v.nonEmpty("must not be empty"));

/** Deno's compile targets; Bun's are checked by shape (`bun-<os>-<arch>[-<variant>…]`), Bun knows the rest. */
export const denoTargets = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

export const flags = {
  dzone: {
    value: "PATH",
    schema: NonEmpty,
    help: "embed this d-zone build: a folder holding index.html, static/bundle.js, img/, css/, … or a .tar.gz, .tgz, .tar or .zip of one",
  },
  "no-dzone": { schema: v.boolean(), help: "embed d-back's own page at / instead of d-zone" },
  compiler: { value: "NAME", schema: v.picklist(["bun", "deno"], "must be bun or deno"), help: "bun (default) or deno" },
  target: {
    value: "TARGET",
    schema: NonEmpty,
    help: `cross-compile: bun-linux-x64, bun-linux-arm64, bun-darwin-arm64, bun-windows-x64, … with bun; ${denoTargets.join(", ")} with deno`,
  },
  out: { value: "FILE", schema: NonEmpty, help: "the executable to write (default dist/d-back, dist/d-back-TARGET with --target)" },
  help: { short: "h", schema: v.boolean(), help: "print this help and exit" },
} as const;

/** --dzone and --no-dzone, which build.ts and release.ts both take, exclude each other. */
export const dzoneOrNot = <T extends { dzone?: string; "no-dzone"?: boolean }>() =>
  v.check<T, string>((f) => !(f.dzone !== undefined && f["no-dzone"]), "--dzone and --no-dzone exclude each other; give one");

const BuildFlags = v.pipe(
  v.object(Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, v.optional(f.schema)])) as {
    [K in keyof typeof flags]: v.OptionalSchema<typeof flags[K]["schema"], undefined>;
  }),
  dzoneOrNot(),
  v.check(
    (f) => f.target === undefined || ((f.compiler ?? "bun") === "bun" ? /^bun-[a-z0-9-]+$/.test(f.target) : (denoTargets as readonly string[]).includes(f.target)),
    "--target is not a target of that compiler (see --help)",
  ),
);
export type BuildFlags = v.InferOutput<typeof BuildFlags>;

/** A mistake on build.ts's or release.ts's command line: one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Reads build.ts's argv. Throws `UsageError`. */
export function parseBuildFlags(argv: string[]): BuildFlags {
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [name, { type: "value" in f ? "string" as const : "boolean" as const, ...("short" in f ? { short: f.short } : {}) }]),
  );
  return parseFlags(argv, options, BuildFlags);
}

/**
 * Reads a build script's argv with parseArgs (no positionals) and validates
 * the values with `schema`. Throws `UsageError`, one line naming the flag.
 */
export function parseFlags<S extends v.GenericSchema>(argv: string[], options: NonNullable<ParseArgsConfig["options"]>, schema: S): v.InferOutput<S> {
  let values;
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError((error instanceof Error ? error.message : String(error)).split("\n")[0]);
  }
  const result = v.safeParse(schema, values);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = issue.path?.[0]?.key;
  throw new UsageError(key === undefined ? issue.message : `--${String(key)} ${issue.message}, got ${JSON.stringify(issue.input)}`);
}

export function buildHelp(version: string): string {
  const rows = Object.entries(flags).map(([name, f]) => ["short" in f ? `-${f.short}, --${name}` : `--${name}${"value" in f ? ` ${f.value}` : ""}`, f.help]);
  const width = Math.max(...rows.map(([flag]) => flag!.length)) + 2;
  return `build.ts: builds d-back ${version} as one executable, with the site it serves inside

Usage: bun run build [options]      (or: deno task build [options], bun build.ts [options])

Without --dzone or --no-dzone it downloads d-zone 0.1.7 (pinned by commit and
SHA-256, cached in .cache/d-zone/) and embeds it.

Options:
${rows.map(([flag, text]) => `  ${flag!.padEnd(width)}${text}`).join("\n")}

deno compile downloads the denort runtime from dl.deno.land on first use;
where that host is unreachable, use --compiler bun (the default).
`;
}
