import * as v from "valibot";
import { statSync } from "node:fs";
import { levels } from "../log.ts";
import { defaultLimits } from "../limits.ts";

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
/** A whole number of at least `min`, e.g. a limit; `0` may mean "no limit" where the help says so. */
const Count = (min: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,15}$/, `must be a whole number of at least ${min}`),
    v.transform(Number),
    v.minValue(min, `must be a whole number of at least ${min}`),
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
  "max-connections": {
    env: "DBACK_MAX_CONNECTIONS",
    value: "N",
    schema: Count(0),
    default: String(defaultLimits.maxConnections),
    help: "open viewers in total; more get HTTP 503 (0: no limit)",
  },
  "max-connections-per-ip": {
    env: "DBACK_MAX_CONNECTIONS_PER_IP",
    value: "N",
    schema: Count(0),
    default: String(defaultLimits.maxConnectionsPerAddress),
    help: "open viewers per remote address; more get HTTP 429 (0: no limit)",
  },
  "max-frame-bytes": {
    env: "DBACK_MAX_FRAME_BYTES",
    value: "BYTES",
    schema: Count(1024),
    default: String(defaultLimits.maxFrameBytes),
    help: "largest frame a viewer may send; larger closes it with 1009",
  },
  "rate-limit": {
    env: "DBACK_RATE_LIMIT",
    value: "N",
    schema: Count(0),
    default: String(defaultLimits.ratePerSecond),
    help: "frames per second a viewer may send; over gets an error, sustained closes with 1008 (0: no limit)",
  },
  "rate-burst": {
    env: "DBACK_RATE_BURST",
    value: "N",
    schema: Count(1),
    default: String(defaultLimits.rateBurst),
    help: "frames a viewer may send at once before --rate-limit applies",
  },
  "max-buffered-bytes": {
    env: "DBACK_MAX_BUFFERED_BYTES",
    value: "BYTES",
    schema: Count(1024),
    default: String(defaultLimits.maxBufferedBytes),
    help: "unsent data queued for one viewer before it is closed with 1013",
  },
  "idle-timeout": {
    env: "DBACK_IDLE_TIMEOUT",
    value: "SECONDS",
    schema: Count(1),
    default: String(defaultLimits.idleTimeoutSeconds),
    help: "a viewer that answers no ping for this long is closed",
  },
} satisfies Record<string, ValueOption<v.GenericSchema<string, unknown>>>;

/** Flags that do something instead of starting the server. */
export const actions = {
  help: { short: "h", help: "print this help and exit" },
  version: { short: "v", help: "print the version and exit" },
} as const;

export type Settings = { [K in keyof typeof settings]: v.InferOutput<typeof settings[K]["schema"]> | undefined };
