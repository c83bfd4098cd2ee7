import * as v from "valibot";
import { parseArgs } from "node:util";
import { actions, settings, type Settings } from "./options.ts";

/** A mistake on the command line or in the environment: one line for the user, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export type Command = { action: "help" } | { action: "version" } | { action: "run"; settings: Settings };

/** Reads argv and the environment into what to do. Throws `UsageError`. */
export function parseCommand(argv: string[], env: Record<string, string | undefined>): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegatives(argv[0] === "--" ? argv.slice(1) : argv), // `deno task start -- --port 3702` passes the `--` on
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(
          Object.entries(settings).map(([name, o]) => [name, { type: "value" in o ? "string" as const : "boolean" as const }]),
        ),
        ...Object.fromEntries(Object.entries(actions).map(([name, o]) => [name, { type: "boolean" as const, short: o.short }])),
      },
    });
  } catch (error) {
    throw new UsageError(firstLine(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { action: "help" };
  if (values.version) return { action: "version" };

  const out: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(settings)) {
    const flag = values[name];
    const fromFlag = typeof flag === "boolean" ? String(flag) : flag;
    const fromEnv = env[o.env];
    const raw = fromFlag ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined) ?? ("default" in o ? o.default : undefined);
    if (raw === undefined) continue;
    const result = v.safeParse(o.schema as v.GenericSchema<string, unknown>, raw);
    if (!result.success) {
      const where = fromFlag !== undefined ? `--${name}` : fromEnv !== undefined && fromEnv !== "" ? `${o.env} (--${name})` : `--${name}`;
      const got = "secret" in o && o.secret ? "" : `, got ${JSON.stringify(raw)}`;
      throw new UsageError(`${where} ${result.issues[0].message}${got}`);
    }
    out[name] = result.output;
  }
  return { action: "run", settings: out as Settings };
}

/**
 * `--port -1` as `--port=-1`: parseArgs calls a value that starts with a dash
 * "ambiguous"; a negative number is no flag, so it reaches the flag's own check
 * and its usual message ("must be a whole number …").
 */
function joinNegatives(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.startsWith("--") ? argv[i]!.slice(2) : undefined;
    const next = argv[i + 1];
    if (name && name in settings && "value" in settings[name as keyof typeof settings] && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
