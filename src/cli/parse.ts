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
      args: argv,
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
  if ((out["tls-cert"] === undefined) !== (out["tls-key"] === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together: give both or neither");
  }
  return { action: "run", settings: out as Settings };
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
