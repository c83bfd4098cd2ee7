/**
 * The d-back command: parse flags and environment, start a server on this
 * runtime, stop it cleanly on SIGINT/SIGTERM. Run directly in development; an
 * executable's generated entry calls `runMain` with the site it carries.
 */
import process from "node:process";
import { ConfigError, parseCommand, UsageError } from "./cli/parse.ts";
import { createLogger, type Logger } from "./log.ts";
import { VERSION } from "./version.ts";
import type { Server, ServerOptions } from "./server.ts";
import { detectRuntime } from "./runtime/mod.ts";
import { listenEarly } from "./http/early-listener.ts";
import { AddressInUseError, ListenError } from "./runtime/types.ts";
import { TlsError } from "./tls.ts";
import { exitAfterSignal, underWatcher } from "./cli/exit.ts";
import { within } from "./within.ts";
import type { StaticRoot } from "./http/static.ts";
import { DiscordFatalError } from "./sources/discord/fatal.ts";

export interface MainOptions {
  /** The site to serve when `--static-dir` is not given (an executable's embedded assets). */
  site?: () => StaticRoot;
}

async function main(argv: string[], options: MainOptions): Promise<number> {
  let command;
  try {
    command = await parseCommand(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`d-back: ${error.message}${error instanceof ConfigError ? "" : " (see d-back --help)"}`);
    return 2;
  }
  if (command.action === "help") {
    console.log((await import("./cli/help.ts")).helpText(VERSION));
    return 0;
  }
  if (command.action === "version") {
    console.log(VERSION);
    return 0;
  }

  const s = command.settings;
  const logger = createLogger(s["log-level"], undefined, s["log-format"]);
  const token = s["ingest-token"];
  const botToken = s["discord-token"];
  const [cert, key] = [s["tls-cert"], s["tls-key"]];
  let server: Server | undefined;
  // A session Discord ends for good (token reset, intents switched off) stops d-back like a refused start.
  const fatal = (error: DiscordFatalError) => {
    console.error(`d-back: ${error.message}`);
    within(server?.stop() ?? Promise.resolve(), 3000).finally(() => process.exit(2));
  };
  const serverOptions: ServerOptions = {
    port: s.port,
    host: s.host,
    admin: s["admin-port"] === undefined ? undefined : { port: s["admin-port"], host: s["admin-host"] },
    tls: cert && key ? { cert, key } : undefined,
    staticDir: s["static-dir"],
    staticRoot: s["static-dir"] ? undefined : options.site?.(),
    trustProxy: s["trust-proxy"],
    ingest: token ? { token, maxBytes: s["ingest-max-bytes"] } : undefined,
    mock: s.mock,
    // The config file's `discord` section (allow-list, per-guild settings), validated by the parser.
    discordBot: botToken ? { token: botToken, settings: command.discord, onFatal: fatal } : undefined,
    discord: { clientId: s["discord-client-id"], apiBase: s["discord-api-base"], timeoutMs: s["discord-timeout-ms"] },
    signInLimits: { failures: s["sign-in-failures"] },
    cluster: s.redis ? { url: s.redis } : undefined,
    limits: {
      maxConnections: s["max-connections"],
      maxConnectionsPerAddress: s["max-connections-per-ip"],
      maxFrameBytes: s["max-frame-bytes"],
      ratePerSecond: s["rate-limit"],
      rateBurst: s["rate-burst"],
      maxBufferedBytes: s["max-buffered-bytes"],
      idleTimeoutSeconds: s["idle-timeout"],
      headerTimeoutSeconds: s["header-timeout"],
    },
    logger,
  };
  // The port is bound first and answers /api/version while the rest loads (see `EarlyListener`).
  const runtime = await detectRuntime();
  let bound;
  try {
    bound = await listenEarly(runtime, serverOptions, VERSION);
    const early = bound;
    // From here a signal stops gracefully: the server once it is made, before that the early port (503 to what it holds).
    onSignals(logger, () => server ?? { stop: () => early.refuse(), viewers: 0 });
    // Not from mod.ts: the library's face also carries the mock world, which a server fed by others never loads.
    const { createServer } = await import("./create-server.ts");
    server = await createServer({ ...serverOptions, runtime, bound });
    await server.start();
    // The mock world because nothing else was given: an admin whose token did not arrive (empty, not exported) must not take it for theirs.
    if (server.world.source.name === "mock" && !s.mock) {
      logger.info("no Discord bot token (DBACK_DISCORD_TOKEN): serving the mock world; d-back --help says how to show your server");
    }
  } catch (error) {
    await bound?.refuse();
    if (error instanceof TlsError) {
      console.error(`d-back: ${error.message} (--tls-cert, --tls-key)`);
      return 2;
    }
    if (error instanceof DiscordFatalError) {
      console.error(`d-back: ${error.message}`);
      return 2;
    }
    if (error instanceof AddressInUseError) {
      console.error(`d-back: cannot listen on ${error.hostname}:${error.port}: the port is already in use (choose another with ${error.listener === "admin" ? "--admin-port" : "--port"})`);
      return 1;
    }
    if (!(error instanceof ListenError)) throw error;
    // A --host (or --admin-host) this machine cannot listen on is a bad value, like any other: exit 2.
    const why = error.reason === "not-local" ? "is not an address of this machine" : `cannot be listened on (${error.detail})`;
    console.error(`d-back: ${error.listener === "admin" ? "--admin-host" : "--host"} ${error.hostname} ${why}; use 127.0.0.1, 0.0.0.0 (every interface) or one of its own addresses`);
    return 2;
  }
  return -1;
}

/** Exit codes for a second signal, as a shell reports a process killed by it (128 + its number). */
const killedBy = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The same signal this soon after the first is that one delivered twice: a task
 * runner (`deno task`) forwards the Ctrl-C or SIGTERM its process group got too.
 */
const ECHO_MS = 500;

/**
 * The first SIGINT or SIGTERM stops what `target` gives gracefully (the
 * server, or the early port while the server loads) and exits 0; a second
 * one, while that is under way, exits at once.
 */
function onSignals(logger: Logger, target: () => Pick<Server, "stop" | "viewers">): void {
  let stopping = false;
  let firstAt = 0;
  let firstSignal: keyof typeof killedBy | undefined;
  const stop = (signal: keyof typeof killedBy) => {
    if (stopping) {
      // Under a watcher, the watcher forwards signals and decides when to kill.
      if (underWatcher() || (signal === firstSignal && Date.now() - firstAt < ECHO_MS)) return;
      logger.warn("second signal, exiting now", { signal });
      exitAfterSignal(signal, killedBy[signal]);
      return;
    }
    stopping = true;
    firstAt = Date.now();
    firstSignal = signal;
    const what = target();
    logger.info("shutting down", { signal, connections: what.viewers });
    // Server.stop bounds its own wait; this is the net under it.
    setTimeout(() => {
      logger.error("shutdown is taking too long, exiting");
      process.exit(1);
    }, 10_000);
    what.stop().then(
      () => {
        logger.info("stopped");
        exitAfterSignal(signal, 0);
      },
      (error) => {
        logger.error("shutdown failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop(signal));
}

/** Runs the command; exits when it is done (at once for `--help`, on a signal for a server). */
export function runMain(argv: string[], options: MainOptions = {}): void {
  main(argv, options).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (error) => {
      console.error(`d-back: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

if (import.meta.main) runMain(process.argv.slice(2));
