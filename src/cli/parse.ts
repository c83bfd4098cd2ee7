import * as v from "valibot";
import { parseArgs } from "node:util";
import { actions, settings, type Settings } from "./options.ts";
import type { ConfigFile } from "./config-file.ts";
import { UsageError } from "./usage-error.ts";
import type { DiscordSettings } from "../sources/discord/guild-settings.ts";

export { ConfigError, UsageError } from "./usage-error.ts";

/** `discord`: the config file's per-guild Discord settings (their defaults when it has none), for the gateway source; none without a file. */
export type Command =
  | { action: "help" }
  | { action: "version" }
  | { action: "run"; settings: Settings; discord?: DiscordSettings };

type Name = keyof typeof settings;

/**
 * Reads argv, the environment and the config file into what to do. Each
 * setting comes from its flag, else its environment variable, else the
 * config file, else its default. Rejects with `UsageError` (or
 * `ConfigError`). The config file's code is loaded only when there is one:
 * it is on the way to the command's first answer otherwise (cold start).
 */
export async function parseCommand(argv: string[], env: Record<string, string | undefined>): Promise<Command> {
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

  /** A setting from the flag or the environment: the text and where it came from. */
  const given = (name: Name): { raw: string; where: string } | undefined => {
    const flag = values[name];
    if (flag !== undefined) return { raw: typeof flag === "boolean" ? String(flag) : flag, where: `--${name}` };
    const fromEnv = env[settings[name].env];
    if (fromEnv !== undefined && fromEnv !== "") return { raw: fromEnv, where: `${settings[name].env} (--${name})` };
    return undefined;
  };
  const check = (name: Name, raw: string, where: string) => {
    const o = settings[name];
    const result = v.safeParse(o.schema as v.GenericSchema<string, unknown>, raw);
    if (result.success) return result.output;
    const got = "secret" in o && o.secret ? "" : `, got ${JSON.stringify(raw)}`;
    throw new UsageError(`${where} ${result.issues[0].message}${got}`);
  };

  const configPath = given("config");
  const file: ConfigFile | undefined = configPath &&
    (await import("./config-file.ts")).loadConfigFile(check("config", configPath.raw, configPath.where) as string);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(settings) as Name[]) {
    const o = settings[name];
    const from = given(name);
    if (from) out[name] = check(name, from.raw, from.where);
    else if (file?.settings[name] !== undefined) out[name] = file.settings[name];
    else if ("default" in o) out[name] = check(name, o.default, `--${name}`);
  }
  if ((out["tls-cert"] === undefined) !== (out["tls-key"] === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together: give both or neither");
  }
  return { action: "run", settings: out as Settings, discord: file?.discord };
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
