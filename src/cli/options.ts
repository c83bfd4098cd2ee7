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
const Token = v.pipe(
  v.string(),
  v.regex(/^[\x21-\x7e]{16,512}$/, "must be 16 to 512 printable characters without spaces"),
);
const Bytes = v.pipe(
  v.string(),
  v.regex(/^\d+$/, "must be a whole number of bytes"),
  v.transform(Number),
  v.minValue(1024, "must be at least 1024 bytes"),
  v.maxValue(1024 ** 3, "must be at most 1 GiB"),
);
/** On/off switches: `--mock` on the command line, `DBACK_MOCK=1` (or true/yes/on, 0/false/no/off) in the environment. */
const Switch = v.pipe(
  v.string(),
  v.toLowerCase(),
  v.picklist(["1", "true", "yes", "on", "0", "false", "no", "off"], "must be 1, true, yes, on, 0, false, no or off"),
  v.transform((s) => ["1", "true", "yes", "on"].includes(s)),
);

/**
 * A setting, also settable from an environment variable. With `value` it is
 * a flag that takes one (`--port 3000`); without, a switch (`--mock`).
 */
interface Setting<S extends v.GenericSchema<string, unknown>> {
  env: string;
  value?: string;
  schema: S;
  default?: string;
  /** Never echo the value back (in errors, logs, help). */
  secret?: boolean;
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
  "ingest-token": {
    env: "DBACK_INGEST_TOKEN",
    value: "TOKEN",
    schema: Token,
    secret: true,
    help: "turn the ingest API on at /api/ingest; producers send it as a bearer token (prefer the env variable: flags show in ps)",
  },
  "ingest-max-bytes": {
    env: "DBACK_INGEST_MAX_BYTES",
    value: "N",
    schema: Bytes,
    default: "1048576",
    help: "largest ingest request body; bigger ones get 413",
  },
  mock: { env: "DBACK_MOCK", schema: Switch, help: "serve the mock world too when the ingest API is on (it is on by itself otherwise)" },
} satisfies Record<string, Setting<v.GenericSchema<string, unknown>>>;

/** Flags that do something instead of starting the server. */
export const actions = {
  help: { short: "h", help: "print this help and exit" },
  version: { short: "v", help: "print the version and exit" },
} as const;

export type Settings = { [K in keyof typeof settings]: v.InferOutput<typeof settings[K]["schema"]> | undefined };
