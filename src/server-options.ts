import type { Logger } from "./log.ts";
import type { StaticRoot } from "./http/static.ts";
import type { TlsPair } from "./tls.ts";
import type { EarlyListener } from "./http/early-listener.ts";
import type { DataSource } from "./sources/source.ts";
import type { Callbacks } from "./sources/library/callbacks.ts";
import type { MockOptions } from "./sources/mock/source.ts";
import type { DiscordBotOptions } from "./sources/discord/source.ts";
import type { AdminOptions } from "./admin/admin.ts";
import type { DiscordOptions } from "./auth/discord.ts";
import type { Clock, FailureLimits } from "./auth/failures.ts";
import type { Limits } from "./limits.ts";
import type { ClusterOptions } from "./cluster/cluster.ts";

/** Everything `createServer` takes; every field is optional, and the defaults serve the mock world on 127.0.0.1:3000. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Serve this folder (e.g. a d-zone build) instead of the built-in page. */
  staticDir?: string;
  /** Serve this root instead; wins over `staticDir`. */
  staticRoot?: StaticRoot;
  /** Serve HTTPS and WSS with this certificate and key (PEM text); `start()` throws `TlsError` when they are unusable. */
  tls?: TlsPair;
  /**
   * The public port, already bound by `listenEarly` with these options'
   * `port`, `host`, `tls` and limits (the command does so to answer sooner);
   * `start()` hands it the app instead of listening.
   */
  bound?: EarlyListener;
  /** Addresses of reverse proxies whose `X-Forwarded-Proto` is believed. Default: none. */
  trustProxy?: readonly string[];
  /** A data source of your own (most bots register callbacks instead). */
  source?: DataSource;
  /** The bot's callbacks; the same as calling the `on…` methods before `start()`. */
  callbacks?: Callbacks;
  /** Serve Prometheus metrics and the operator page on a second port (off by default). */
  admin?: AdminOptions;
  /** Turn the ingest API on at /api/ingest, for producers in other processes. */
  ingest?: { token: string; maxBytes?: number };
  /**
   * The mock world. It runs when no other source is configured; `true` (or
   * timings) runs it alongside the others too.
   */
  mock?: boolean | MockOptions;
  /** How long a data source may take to answer, in ms. Default 5000. */
  sourceTimeoutMs?: number;
  /**
   * Discord sign-in for passworded guilds: the global OAuth2 client id, and
   * how d-back checks tokens with Discord when no callback decides.
   */
  discord?: DiscordOptions;
  /** Connect to Discord's gateway as this bot and show the guilds it is in (the mock world is then off unless `mock`). */
  discordBot?: DiscordBotOptions;
  /** Refused sign-ins allowed per connection and per remote address (default 5 per 60 s). */
  signInLimits?: FailureLimits;
  /** The clock behind sign-in limits, remembered tokens and Discord's Retry-After; tests move it instead of sleeping. */
  now?: Clock;
  /** What viewers may cost (src/limits.ts); unset ones keep their defaults. */
  limits?: Partial<Limits>;
  /** Share one world with other instances through Redis (src/cluster/); unset: this process alone. */
  cluster?: Pick<ClusterOptions, "url" | "prefix" | "id" | "leaseTimings">;
  /** How long `stop()` waits for viewers to answer the close and requests to finish, in ms. Default 2000. */
  shutdownGraceMs?: number;
  logger?: Logger;
}
