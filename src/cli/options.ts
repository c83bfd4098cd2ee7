import * as v from "valibot";
import { readFileSync, statSync } from "node:fs";
import { logFormats, levels } from "../log.ts";
import { defaultIngestMaxBytes, defaultLimits } from "../limits.ts";
import { RedisUrl } from "../cluster/url.ts";
import { BotToken } from "./bot-token.ts";

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * How a setting is written in the config file when not as the string its flag
 * takes: the file's value is turned into that string and checked by the same
 * schema (see config-file.ts). Read back with `v.getMetadata(schema).inFile`.
 */
export type FileForm = "string" | "number" | "boolean" | "list" | "path";
const inFile = (form: FileForm) => v.metadata<string, { inFile: FileForm }>({ inFile: form });

/** A whole number from `min` to `max`, written in decimal digits. */
const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return v.pipe(v.string(), inFile("number"), v.regex(/^\d{1,15}$/, message), v.transform(Number), v.minValue(min, message), v.maxValue(max, message));
};
const Port = wholeNumber(0, 65535);
const NonEmpty = v.pipe(v.string(), v.nonEmpty("must not be empty"));
/** A DNS name: dot-separated labels of letters, digits and hyphens, the last not all digits (that would be an IPv4 address). */
const hostName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]*[a-z-][a-z0-9-]*$/i;
/** An IP address (IPv6 also in brackets, which are dropped) or a host name; `999.1.1.1` is neither. */
const Host = v.pipe(
  v.string(),
  v.nonEmpty("must not be empty"),
  v.transform((host) => /^\[.*\]$/.test(host) ? host.slice(1, -1) : host),
  v.check((host) => v.is(IpAddress, host) || hostName.test(host), "must be an IP address or a host name"),
);
const Folder = v.pipe(v.string(), inFile("path"), v.nonEmpty("must not be empty"), v.check(isDirectory, "must be an existing folder"));
const octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** Every address node:net's `isIP` takes: valibot's check, plus the full IPv6 form that ends in an IPv4 address, which it lacks. */
const IpAddress = v.union([
  v.pipe(v.string(), v.ip()),
  v.pipe(v.string(), v.regex(new RegExp(`^(?:[0-9a-f]{1,4}:){6}${octet}(?:\\.${octet}){3}$`, "i"))),
]);
/** A file read whole at start-up (a PEM certificate or key): the setting's value is its text. */
const TextFile = v.pipe(
  v.string(),
  inFile("path"),
  v.nonEmpty("must not be empty"),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return readFileSync(dataset.value, "utf8");
    } catch (error) {
      addIssue({ message: `must be a file d-back can read (${(error as { code?: string }).code ?? "unreadable"})` });
      return NEVER;
    }
  }),
);
const Addresses = v.pipe(
  v.string(),
  inFile("list"),
  v.transform((list) => list.split(",").map((address) => address.trim())),
  // valibot's IP check rather than node:net's isIP: loading node:net would add a third to one runtime's start-up (bench: cold start).
  v.check((list) => list.every((address) => v.is(IpAddress, address)), "must be IP addresses separated by commas"),
);
const LogLevel = v.picklist(levels, `must be one of ${levels.join(", ")}`);
const LogFormat = v.picklist(logFormats, `must be one of ${logFormats.join(", ")}`);
const Token = v.pipe(
  v.string(),
  v.regex(/^[\x21-\x7e]{16,512}$/, "must be 16 to 512 printable characters without spaces"),
);
const Bytes = v.pipe(
  v.string(),
  inFile("number"),
  v.regex(/^\d+$/, "must be a whole number of bytes"),
  v.transform(Number),
  v.minValue(1024, "must be at least 1024 bytes"),
  v.maxValue(1024 ** 3, "must be at most 1 GiB"),
);
const ClientId = v.pipe(v.string(), v.regex(/^\d{1,32}$/, "must be a Discord application id (digits)"));
const HttpUrl = v.pipe(
  v.string(),
  v.regex(/^https?:\/\/[^\s/?#]+[^\s?#]*$/, "must be an http:// or https:// URL without query or fragment"),
  v.check((url) => URL.canParse(url), "must be a valid URL"),
  v.transform((url) => url.replace(/\/+$/, "")),
);
/** On/off switches: `--mock` on the command line, `DBACK_MOCK=1` (or true/yes/on, 0/false/no/off) in the environment. */
const Switch = v.pipe(
  v.string(),
  inFile("boolean"),
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
  config: {
    env: "DBACK_CONFIG",
    value: "FILE",
    schema: NonEmpty,
    help: "read settings from this JSON file: keys named like the flags, plus discord (see README)",
  },
  port: { env: "DBACK_PORT", value: "N", schema: Port, default: "3000", help: "TCP port for HTTP and WebSocket; 0 picks a free one" },
  host: { env: "DBACK_HOST", value: "ADDR", schema: Host, default: "127.0.0.1", help: "address to listen on; 0.0.0.0 for every interface" },
  "admin-port": {
    env: "DBACK_ADMIN_PORT",
    value: "N",
    schema: Port,
    help: "serve Prometheus metrics (/metrics) and the operator page (/) on this second port (default: off)",
  },
  "admin-host": {
    env: "DBACK_ADMIN_HOST",
    value: "ADDR",
    schema: Host,
    default: "127.0.0.1",
    help: "address of the admin port; keep it private (it has no sign-in)",
  },
  "static-dir": {
    env: "DBACK_STATIC_DIR",
    value: "DIR",
    schema: Folder,
    help: "serve this folder (e.g. a d-zone build) at / instead of the built-in page",
  },
  "trust-proxy": {
    env: "DBACK_TRUST_PROXY",
    value: "ADDRS",
    schema: Addresses,
    help: "believe X-Forwarded-Proto from these proxy IP addresses (comma-separated), to tell d-zone wss:// from ws://",
  },
  "tls-cert": {
    env: "DBACK_TLS_CERT",
    value: "FILE",
    schema: TextFile,
    help: "serve HTTPS and WSS on --port with this PEM certificate (chain); needs --tls-key; read at start-up",
  },
  "tls-key": {
    env: "DBACK_TLS_KEY",
    value: "FILE",
    schema: TextFile,
    help: "the PEM private key of --tls-cert (unencrypted)",
  },
  "log-level": { env: "DBACK_LOG_LEVEL", value: "LEVEL", schema: LogLevel, default: "info", help: `${levels.join(", ")}` },
  "log-format": {
    env: "DBACK_LOG_FORMAT",
    value: "FORMAT",
    schema: LogFormat,
    default: "text",
    help: "text (one readable line per event) or json (one JSON object per line: time, level, message and the event's fields)",
  },
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
    default: String(defaultIngestMaxBytes),
    help: "largest ingest request body; bigger ones get 413",
  },
  "discord-token": {
    env: "DBACK_DISCORD_TOKEN",
    value: "TOKEN",
    schema: BotToken,
    secret: true,
    help: "connect to Discord as this bot and show every guild it is in (prefer the env variable: flags show in ps)",
  },
  mock: { env: "DBACK_MOCK", schema: Switch, help: "serve the mock world too when the ingest API or the Discord bot is on (it is on by itself otherwise)" },
  "discord-client-id": {
    env: "DBACK_DISCORD_CLIENT_ID",
    value: "ID",
    schema: ClientId,
    help: "the Discord application d-zone signs viewers in with, for passworded guilds that bring no client id of their own",
  },
  "discord-api-base": {
    env: "DBACK_DISCORD_API_BASE",
    value: "URL",
    schema: HttpUrl,
    default: "https://discord.com/api/v10",
    help: "Discord's HTTP API: where the bot finds the gateway (/gateway/bot) and asks who a sign-in token belongs to",
  },
  "discord-timeout-ms": {
    env: "DBACK_DISCORD_TIMEOUT_MS",
    value: "MS",
    schema: wholeNumber(50, 60_000),
    default: "3000",
    help: "how long one call to Discord may take before the sign-in fails",
  },
  "sign-in-failures": {
    env: "DBACK_SIGN_IN_FAILURES",
    value: "N",
    schema: wholeNumber(1, 10_000),
    default: "5",
    help: "refused sign-ins (Discord or password) allowed per connection and per remote address per minute",
  },
  redis: {
    env: "DBACK_REDIS_URL",
    value: "URL",
    schema: RedisUrl,
    secret: true,
    help: "share one world with every d-back using this Redis (redis://[:password@]host:port/db, the password percent-encoded); connection limits stay per instance",
  },
  "max-connections": {
    env: "DBACK_MAX_CONNECTIONS",
    value: "N",
    schema: wholeNumber(0, 1_000_000),
    default: String(defaultLimits.maxConnections),
    help: "open viewers in total, and requests held while the command starts; more get HTTP 503 (0: no limit)",
  },
  "max-connections-per-ip": {
    env: "DBACK_MAX_CONNECTIONS_PER_IP",
    value: "N",
    schema: wholeNumber(0, 1_000_000),
    default: String(defaultLimits.maxConnectionsPerAddress),
    help: "open viewers per remote address, and requests held from one while the command starts; more get HTTP 429 (0: no limit)",
  },
  "max-frame-bytes": {
    env: "DBACK_MAX_FRAME_BYTES",
    value: "BYTES",
    schema: wholeNumber(1024, 64 * 1024 * 1024),
    default: String(defaultLimits.maxFrameBytes),
    help: "largest frame a viewer may send; larger closes it with 1009",
  },
  "rate-limit": {
    env: "DBACK_RATE_LIMIT",
    value: "N",
    schema: wholeNumber(0, 10_000),
    default: String(defaultLimits.ratePerSecond),
    help: "frames per second a viewer may send; over gets an error, sustained closes with 1008 (0: no limit)",
  },
  "rate-burst": {
    env: "DBACK_RATE_BURST",
    value: "N",
    schema: wholeNumber(1, 100_000),
    default: String(defaultLimits.rateBurst),
    help: "frames a viewer may send at once before --rate-limit applies",
  },
  "max-buffered-bytes": {
    env: "DBACK_MAX_BUFFERED_BYTES",
    value: "BYTES",
    schema: wholeNumber(1024, 1024 ** 3),
    default: String(defaultLimits.maxBufferedBytes),
    help: "unsent data queued for one viewer before it is closed with 1013",
  },
  "idle-timeout": {
    env: "DBACK_IDLE_TIMEOUT",
    value: "SECONDS",
    schema: wholeNumber(1, 3600),
    default: String(defaultLimits.idleTimeoutSeconds),
    help: "a viewer that answers no ping for this long is closed",
  },
  "header-timeout": {
    env: "DBACK_HEADER_TIMEOUT",
    value: "SECONDS",
    schema: wholeNumber(1, 255),
    default: String(defaultLimits.headerTimeoutSeconds),
    help: "a connection that sends no whole request for this long, or idles between requests, is closed (where the runtime allows: see README, Limits); an upgrade that never opens gives its place back after as long",
  },
} satisfies Record<string, Setting<v.GenericSchema<string, unknown>>>;

/** Flags that do something instead of starting the server. */
export const actions = {
  help: { short: "h", help: "print this help and exit" },
  version: { short: "v", help: "print the version and exit" },
} as const;

export type Settings = { [K in keyof typeof settings]: v.InferOutput<typeof settings[K]["schema"]> | undefined };
