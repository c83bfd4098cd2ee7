import * as v from "valibot";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type FileForm, settings, type Settings } from "./options.ts";
import { ConfigError } from "./usage-error.ts";
import { readJson } from "./read-json.ts";
import { strictJsonObject } from "../json-object.ts";
import { problem } from "../protocol/issues.ts";
import { DiscordSettings } from "../sources/discord/guild-settings.ts";

/**
 * The config file (`--config FILE`): every setting of the table in
 * options.ts under its flag's name, typed as JSON types it (numbers,
 * booleans, lists), plus the `discord` section. Its schema is derived from
 * that table, and each value is checked by the very schema its flag uses, so
 * the file cannot accept what the command line refuses. Errors name the file
 * and the key, never a value: the file may hold tokens and passwords.
 */

/** What the file says: settings already validated (as the flags would give them), and the Discord guild settings. */
export interface ConfigFile {
  settings: Partial<Settings>;
  discord: DiscordSettings;
}

/** The settings a file may hold: all but `config` itself. */
const { config: _self, ...fileSettings } = settings;

/** Reads, parses and validates the config file at `path`. Throws `ConfigError`. */
export function loadConfigFile(path: string): ConfigFile {
  const json = readJson(readText(path));
  if (!json.ok) throw new ConfigError(`${path}: ${json.error}`);
  const result = v.safeParse(fileSchema(dirname(resolve(path))), json.value);
  if (!result.success) throw new ConfigError(`${path}: ${describe(result.issues[0])}`);
  const { discord, ...given } = result.output;
  return { settings: given as Partial<Settings>, discord };
}

/** The file's schema; relative folders in it are taken from `folder`, the file's own. */
function fileSchema(folder: string) {
  const entries = Object.fromEntries(
    Object.entries(fileSettings).map(([name, o]) => [name, v.optional(asWritten(o.schema as v.GenericSchema<string, unknown>, folder))]),
  ) as { [K in keyof typeof fileSettings]: v.OptionalSchema<v.GenericSchema<unknown, unknown>, undefined> };
  return strictJsonObject({ ...entries, discord: v.optional(DiscordSettings, {}) });
}

/** A flag's schema taking the value as the file writes it (see `FileForm`). */
function asWritten(schema: v.GenericSchema<string, unknown>, folder: string): v.GenericSchema<unknown, unknown> {
  const form: FileForm = (v.getMetadata(schema) as { inFile?: FileForm }).inFile ?? "string";
  switch (form) {
    case "number":
      return v.pipe(v.number("must be a number"), v.transform(String), schema);
    case "boolean":
      return v.pipe(v.boolean("must be true or false"), v.transform(String), schema);
    case "list":
      return v.pipe(
        v.array(v.pipe(v.string("must be a list of strings"), v.excludes(",", "must be a list of single values")), "must be a list"),
        v.transform((list) => list.join(",")),
        schema,
      );
    case "path":
      return v.pipe(v.string("must be a string"), v.transform((path) => path === "" ? path : resolve(folder, path)), schema);
    case "string":
      return v.pipe(v.string("must be a string"), schema);
  }
}

/**
 * `discord.guilds.123.passworded must be a boolean`. Never the value itself:
 * our schemas' messages name none, and valibot's own ("Invalid type:
 * Expected … but received "…""), should a schema lack a message, are replaced.
 */
function describe(issue: v.BaseIssue<unknown>): string {
  const { path, message } = problem(issue);
  const text = message.startsWith("Invalid ") ? "is not valid" : message;
  return path ? `${path} ${text}` : text === "must be an object" ? "must hold a JSON object ({ … })" : text;
}

/** Far more than any config file needs; a bigger "file" is a mistake (or /dev/zero). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The file's text; a missing, unreadable, oversized or non-UTF-8 file is a
 * `ConfigError`. Only a regular file is opened (after symlinks): opening a
 * FIFO would wait for a writer forever, and /dev/zero never ends.
 */
function readText(path: string): string {
  let bytes: Uint8Array;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new ConfigError(`${path}: cannot read it: it is a folder`);
    if (!stat.isFile()) throw new ConfigError(`${path}: cannot read it: not a regular file`);
    bytes = readAtMost(path, MAX_CONFIG_BYTES + 1);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: cannot read it: ${readFailure(error)}`);
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw new ConfigError(`${path}: cannot read it: larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`${path}: cannot read it: not UTF-8 text`);
  }
}

/** Up to `limit` bytes of a file, however large it is (or grows while read). */
function readAtMost(path: string, limit: number): Uint8Array {
  const buffer = new Uint8Array(limit);
  const fd = openSync(path, "r");
  try {
    let length = 0;
    for (let n; length < limit && (n = readSync(fd, buffer, length, limit - length, null)) > 0;) length += n;
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

const readFailures: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

function readFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? readFailures[code] ?? code : "unreadable";
}
