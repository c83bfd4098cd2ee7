import * as v from "valibot";
import { statSync } from "node:fs";
import { levels } from "../log.ts";

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

const Port = v.pipe(
  v.string(),
  v.regex(/^\d+$/, "must be a whole number from 0 to 65535"),
  v.transform(Number),
  v.maxValue(65535, "must be a whole number from 0 to 65535"),
);
const Host = v.pipe(v.string(), v.nonEmpty("must not be empty"));
const Folder = v.pipe(v.string(), v.nonEmpty("must not be empty"), v.check(isDirectory, "must be an existing folder"));
const LogLevel = v.picklist(levels, `must be one of ${levels.join(", ")}`);

/** A flag that takes a value, also settable from an environment variable. */
interface ValueOption<S extends v.GenericSchema<string, unknown>> {
  env: string;
  value: string;
  schema: S;
  default?: string;
  help: string;
}

/**
 * Every setting, as plain data: `--help`, parsing, environment variables and
 * validation are all derived from this table.
 */
export const settings = {
  port: { env: "DBACK_PORT", value: "N", schema: Port, default: "3000", help: "TCP port for HTTP and WebSocket; 0 picks a free one" },
  host: { env: "DBACK_HOST", value: "ADDR", schema: Host, default: "127.0.0.1", help: "address to listen on; 0.0.0.0 for every interface" },
  "static-dir": {
    env: "DBACK_STATIC_DIR",
    value: "DIR",
    schema: Folder,
    help: "serve this folder (e.g. a d-zone build) at / instead of the built-in page",
  },
  "log-level": { env: "DBACK_LOG_LEVEL", value: "LEVEL", schema: LogLevel, default: "info", help: `${levels.join(", ")}` },
} satisfies Record<string, ValueOption<v.GenericSchema<string, unknown>>>;

/** Flags that do something instead of starting the server. */
export const actions = {
  help: { short: "h", help: "print this help and exit" },
  version: { short: "v", help: "print the version and exit" },
} as const;

export type Settings = { [K in keyof typeof settings]: v.InferOutput<typeof settings[K]["schema"]> | undefined };
