/**
 * build.ts's flags, as one table: parsing, validation and `--help` all come
 * from it (as d-back's own flags come from src/cli/options.ts); release.ts
 * reads its own table the same way.
 */
import * as v from "valibot";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** One flag of a build script: the name of its value in --help (none for a switch), its validation, its help line. */
interface Flag {
  value?: string;
  short?: string;
  /** May be given more than once (its schema then takes an array). */
  multiple?: boolean;
  schema: v.GenericSchema;
  help: string;
}

export const NonEmpty = v.pipe(v.string(), v.nonEmpty("must not be empty"));

/** Deno's compile targets; Bun's are checked by shape (`bun-<os>-<arch>[-<variant>…]`), Bun knows the rest. */
const denoTargets = [
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

/** A table's flags as one valibot object, each of them optional. */
export function tableSchema<T extends Record<string, Flag>>(table: T) {
  return v.object(Object.fromEntries(Object.entries(table).map(([name, f]) => [name, v.optional(f.schema)])) as {
    [K in keyof T]: v.OptionalSchema<T[K]["schema"], undefined>;
  });
}

const BuildFlags = v.pipe(
  tableSchema(flags),
  dzoneOrNot(),
  v.check(
    (f) => f.target === undefined || ((f.compiler ?? "bun") === "bun" ? /^bun-[a-z0-9-]+$/.test(f.target) : (denoTargets as readonly string[]).includes(f.target)),
    "--target is not a target of that compiler",
  ),
);
export type BuildFlags = v.InferOutput<typeof BuildFlags>;

/** A mistake on build.ts's or release.ts's command line: one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Reads build.ts's argv. Throws `UsageError`. */
export function parseBuildFlags(argv: string[]): BuildFlags {
  return parseFlags(argv, flags, BuildFlags);
}

/**
 * Reads a build script's argv, the flags of `table`, with parseArgs (no
 * positionals) and validates the values with `schema` (the table's, with
 * any checks across flags). Throws `UsageError`, one line naming the flag.
 */
export function parseFlags<S extends v.GenericSchema>(argv: string[], table: Record<string, Flag>, schema: S): v.InferOutput<S> {
  const options: NonNullable<ParseArgsConfig["options"]> = Object.fromEntries(
    Object.entries(table).map(([name, f]) => [name, {
      type: f.value ? "string" as const : "boolean" as const,
      // parseArgs refuses `short: undefined`: each key only when set.
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    }]),
  );
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

/** A table's lines for --help: `  --name VALUE   help`, the help texts in one column. */
export function helpRows(table: Record<string, Flag>): string {
  const rows = Object.entries(table).map(([name, f]) => [f.short ? `-${f.short}, --${name}` : `--${name}${f.value ? ` ${f.value}` : ""}`, f.help]);
  const width = Math.max(...rows.map(([flag]) => flag!.length)) + 2;
  return rows.map(([flag, text]) => `  ${flag!.padEnd(width)}${text}`).join("\n");
}

export function buildHelp(version: string): string {
  return `build.ts: builds d-back ${version} as one executable, with the site it serves inside

Usage: bun run build [options]      (or: deno task build [options], bun build.ts [options])

Without --dzone or --no-dzone it downloads d-zone 0.1.7 (pinned by commit and
SHA-256, cached in .cache/d-zone/) and embeds it.

Options:
${helpRows(flags)}

deno compile downloads the denort runtime from dl.deno.land on first use;
where that host is unreachable, use --compiler bun (the default).
`;
}
