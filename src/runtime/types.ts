import type { Context, MiddlewareHandler } from "hono";
import type { WSContext, WSEvents } from "hono/ws";
import type { Fanout } from "../hub.ts";
import type { OpenFile } from "../http/directory-root.ts";

/** What the runtime enforces on each WebSocket by itself, below the core. */
export interface SocketLimits {
  /** The largest inbound frame any socket may send; a larger one closes it with 1009 before the core sees it. */
  maxFrameBytes: number;
  /** Unsent bytes past which a socket is closed with 1013 (see `Backlog`). */
  maxBufferedBytes: number;
  /** Seconds without a pong (or any frame) before the runtime closes the socket. */
  idleTimeoutSeconds: number;
  /** Seconds a connection may take to deliver a request, or stay idle between requests; an upgrade that never opens is given up after as long. */
  headerTimeoutSeconds: number;
}

/** A certificate (chain) and its private key, both PEM text: the listener speaks HTTPS and WSS. */
export interface TlsPair {
  cert: string;
  key: string;
}

export interface ListenOptions {
  port: number;
  hostname: string;
  /** Serve HTTPS and WSS with this certificate instead of plain HTTP. */
  tls?: TlsPair;
  /** The hono app's fetch; `env` is whatever the runtime hands along (see `requestAddress`). */
  fetch: (request: Request, env: unknown) => Response | Promise<Response>;
  sockets: SocketLimits;
  /** Told when the runtime fails below the app (e.g. it runs out of file descriptors) and when it recovers. */
  warn?: (message: string, fields?: Record<string, string | number>) => void;
}

/** A listener for plain requests only (the admin port): no WebSockets, no fan-out, apart from the one `listen` binds. */
export type HttpListenOptions = Pick<ListenOptions, "port" | "hostname" | "fetch">;

export interface Listening {
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  hostname: string;
  /**
   * Stops accepting connections, lets requests under way finish for up to
   * `graceMs`, then closes whatever is still open (where the runtime can) and
   * stops the adapter's timers.
   */
  close(graceMs?: number): Promise<void>;
}

/** The public port (viewers, pages, ingest) or the admin listener (metrics, operator page). */
export type Listener = "public" | "admin";

/**
 * Thrown by `listen` when the address cannot be bound for a reason other than
 * a taken port: `not-local` (no interface of this machine has it, e.g.
 * EADDRNOTAVAIL) or `unusable` (a name that does not resolve, an address the
 * system refuses, EINVAL). `detail` is the runtime's own words.
 */
export class ListenError extends Error {
  override name = "ListenError";
  /** Which of d-back's listeners failed; the admin listener marks its own, so the operator is told the right flag. */
  listener: Listener = "public";
  constructor(readonly hostname: string, readonly port: number, readonly reason: "not-local" | "unusable", readonly detail: string) {
    super(`cannot listen on ${hostname}:${port}: ${detail}`);
  }
}

/** Thrown by `listen` when another process holds the port. */
export class AddressInUseError extends Error {
  override name = "AddressInUseError";
  /** As `ListenError.listener`. */
  listener: Listener = "public";
  constructor(readonly hostname: string, readonly port: number) {
    super(`${hostname}:${port} is already in use`);
  }
}

/**
 * hono's `upgradeWebSocket`, in the one form d-back calls: the events are
 * made per request, and it is a middleware that upgrades or passes the
 * request on. (An adapter may load what upgrading needs at the first upgrade.)
 */
export type Upgrade = (
  createEvents: (c: Context) => WSEvents<unknown> | Promise<WSEvents<unknown>>,
  options?: UpgradeOptions,
) => MiddlewareHandler;

/** Per-upgrade settings, the second argument of `upgradeWebSocket`. */
export interface UpgradeOptions {
  /** A lower frame limit for these sockets than `SocketLimits.maxFrameBytes` (viewers, as against producers). */
  maxFrameBytes?: number;
}

/**
 * Everything d-back needs from the runtime it runs on, and nothing more:
 * listen, upgrade, fan out, read files. One instance serves one server.
 */
export interface Runtime extends Fanout {
  readonly name: string;
  /** hono's WebSocket helper for this runtime; it passes non-upgrade requests on. */
  readonly upgradeWebSocket: Upgrade;
  listen(options: ListenOptions): Promise<Listening>;
  /** Binds a second, request-only listener; it shares nothing with the one `listen` binds. */
  listenHttp(options: HttpListenOptions): Promise<Listening>;
  /** The peer's IP address for a request served by `listen`, and the `env` its `fetch` was handed (in hono: `c.req.raw`, `c.env`). */
  requestAddress(request: Request, env: unknown): string;
  /**
   * Keeps the connection of a request served by `listen` open while its answer
   * takes longer than `SocketLimits.headerTimeoutSeconds` (a request held
   * while the command starts); the function returned puts that timeout back,
   * counted from then, before the request is served.
   */
  waitLonger(request: Request): () => void;
  openFile: OpenFile;
  /**
   * Calls `held.release()` once the socket's connection is really gone, which
   * may be later than its close event: a peer that never answers a close is
   * dropped by the adapter within `CLOSE_GRACE_MS`. A connection place is held
   * until then. An object with a method rather than a callback or a promise:
   * every idle viewer holds one, and it already exists (the admission place).
   */
  holdUntilGone(socket: WSContext, held: Held): void;
}

/** A place held by a connection until it is really gone; see `Runtime.holdUntilGone`. */
export interface Held {
  release(): void;
}

/** How long a socket d-back closed may wait for the peer's answer before its connection is dropped. */
export const CLOSE_GRACE_MS = 3000;
