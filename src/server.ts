import process from "node:process";
import * as v from "valibot";
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "./log.ts";
import { createLogger } from "./log.ts";
import { RepeatedLines } from "./log-repeats.ts";
import { VERSION } from "./version.ts";
import { Hub } from "./hub.ts";
import { State } from "./state/state.ts";
import { World } from "./world.ts";
import type { Viewer } from "./viewer.ts";
import { type Lobby, ViewerSocket } from "./viewer-socket.ts";
import type { DataSource } from "./sources/source.ts";
import { CompositeSource } from "./sources/composite.ts";
import type { MockOptions } from "./sources/mock/source.ts";
import { type Callbacks, hasDataCallbacks, LibrarySource } from "./sources/library/callbacks.ts";
import { IngestSource } from "./sources/ingest/source.ts";
import { type DiscordBotOptions, DiscordSource } from "./sources/discord/source.ts";
import { ingestOff, ingestRoutes } from "./sources/ingest/routes.ts";
import { ClientIdData, MessageData, PresenceData } from "./protocol/events.ts";
import { describeIssue } from "./protocol/issues.ts";
import { createApp } from "./http/app.ts";
import type { StaticRoot } from "./http/static.ts";
import { builtinRoot } from "./http/builtin-page.ts";
import { DirectoryRoot } from "./http/directory-root.ts";
import { cameOverTls, isTrustedProxy } from "./http/trusted-proxy.ts";
import type { Listening, Runtime } from "./runtime/types.ts";
import { within } from "./within.ts";
import { once } from "./once.ts";
import { Close, type Limits, withDefaults } from "./limits.ts";
import { Admission, type Ticket } from "./admission.ts";
import { RateLimit } from "./rate-limit.ts";
import type { DiscordOptions } from "./auth/discord.ts";
import { type Clock, type FailureLimits, FailureLimiter } from "./auth/failures.ts";

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Serve this folder (e.g. a d-zone build) instead of the built-in page. */
  staticDir?: string;
  /** Serve this root instead; wins over `staticDir`. */
  staticRoot?: StaticRoot;
  /** Addresses of reverse proxies whose `X-Forwarded-Proto` is believed. Default: none. */
  trustProxy?: readonly string[];
  /** A data source of your own (most bots register callbacks instead). */
  source?: DataSource;
  /** The bot's callbacks; the same as calling the `on…` methods before `start()`. */
  callbacks?: Callbacks;
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
  /** How long `stop()` waits for viewers to answer the close and requests to finish, in ms. Default 2000. */
  shutdownGraceMs?: number;
  logger?: Logger;
}

/** A broadcast payload that failed validation; the message names the field. */
export class InvalidPayloadError extends TypeError {
  override name = "InvalidPayloadError";
}

const check = <S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> => {
  const result = v.safeParse(schema, value);
  if (!result.success) throw new InvalidPayloadError(`${what}: ${describeIssue(result.issues[0])}`);
  return result.output;
};

/**
 * One d-back server: state, hub, data source and HTTP app, bound to a
 * runtime adapter. Data flows one way: source → state → hub → sockets.
 */
export class Server {
  readonly runtime: Runtime;
  readonly state: State;
  readonly hub: Hub;
  readonly log: Logger;
  readonly root: StaticRoot;
  readonly limits: Readonly<Limits>;
  #options: ServerOptions;
  #callbacks: Callbacks;
  #ingest: IngestSource | undefined;
  #discordBot: DiscordSource | undefined;
  #world: World | undefined;
  #admission: Admission;
  /** Open viewers, each with the place it holds. */
  #viewers = new Map<Viewer, Ticket>();
  /** The place each upgrade took, until its socket opens. */
  #tickets = new WeakMap<Context, Ticket>();
  #nextId = 0;
  /** What every viewer's connection shares, made at the first. */
  #lobby: Lobby | undefined;
  #startedAt = Date.now();
  #listening: Listening | undefined;
  #stopping: Promise<void> | undefined;
  #allGone: (() => void) | undefined;
  #ingestRefused: RepeatedLines | undefined;

  constructor(runtime: Runtime, options: ServerOptions = {}) {
    this.runtime = runtime;
    this.#options = options;
    this.#callbacks = { ...options.callbacks };
    this.log = options.logger ?? createLogger("info");
    this.limits = withDefaults(options.limits);
    this.#admission = new Admission(this.limits);
    this.hub = new Hub(runtime, { active: (g) => this.#world?.active(g), idle: (g) => this.#world?.idle(g) });
    this.state = new State(this.hub, options.discord?.clientId);
    if (options.ingest) this.#ingest = new IngestSource();
    const { clientId, apiBase } = options.discord ?? {};
    if (options.discordBot) this.#discordBot = new DiscordSource(this.state, { ...options.discordBot, clientId, apiBase, log: this.log });
    this.root = options.staticRoot ??
      (options.staticDir ? new DirectoryRoot(options.staticDir, runtime.openFile) : builtinRoot(VERSION));
  }

  // ── the bot's callbacks (register before start) ──────────────────────────

  /** Every guild to offer: `{ [guildId]: { id, name, default?, passworded?, password?, clientId? } }`. */
  onGetServers(callback: NonNullable<Callbacks["getServers"]>): this {
    return this.#register("getServers", callback);
  }

  /** The members of a guild: `{ [uid]: { uid, username, status, roleColor } }`. */
  onGetUsers(callback: NonNullable<Callbacks["getUsers"]>): this {
    return this.#register("getUsers", callback);
  }

  /** Decides whether a Discord sign-in may view a passworded guild; `undefined` leaves it to d-back's own check. */
  onValidateOAuth(callback: NonNullable<Callbacks["validateOAuth"]>): this {
    return this.#register("validateOAuth", callback);
  }

  /** The Discord OAuth2 client id for a guild. */
  onGetClientId(callback: NonNullable<Callbacks["getClientId"]>): this {
    return this.#register("getClientId", callback);
  }

  /** Answers static requests first; return nothing to let d-back serve the file. */
  onStaticRequest(callback: NonNullable<Callbacks["onStaticRequest"]>): this {
    return this.#register("onStaticRequest", callback);
  }

  // ── broadcasts: validated, written to state, sent to that guild's viewers ─

  /**
   * A member's status changed, or the member joined (give `username` and
   * `roleColor`), or left (`status: "offline", delete: true`). Returns false
   * when d-back does not know the guild.
   */
  broadcastPresence(guildId: string, data: v.InferInput<typeof PresenceData>): boolean {
    return this.state.presence(guildId, check(PresenceData, data, "broadcastPresence"));
  }

  /** A member wrote in a channel of the guild. */
  broadcastMessage(guildId: string, data: v.InferInput<typeof MessageData>): boolean {
    return this.state.message(guildId, check(MessageData, data, "broadcastMessage"));
  }

  /** The guild's Discord OAuth2 client id changed. */
  broadcastClientId(guildId: string, clientId: string): boolean {
    const data = check(ClientIdData, { clientId }, "broadcastClientId");
    return this.state.clientId(guildId, data.clientId);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  /** The data source as seen through state; there once the server has started. */
  get world(): World {
    if (!this.#world) throw new Error("d-back: the server is not started");
    return this.#world;
  }

  /** Open viewer connections. */
  get viewers(): number {
    return this.#viewers.size;
  }

  /** The bound port, once started. */
  get port(): number {
    if (!this.#listening) throw new Error("d-back: the server is not started");
    return this.#listening.port;
  }

  get url(): string {
    return `http://${this.#listening?.hostname ?? this.#options.host ?? "127.0.0.1"}:${this.port}`;
  }

  health(): Record<string, unknown> {
    const memory = process.memoryUsage();
    return {
      status: this.#stopping ? "stopping" : "ok",
      version: VERSION,
      uptime: Math.round((Date.now() - this.#startedAt) / 1000),
      viewers: this.#viewers.size,
      source: this.#world?.source.name,
      guilds: this.state.size,
      watched: this.hub.rooms,
      joined: this.hub.viewers(),
      feeds: this.#world?.watching ?? 0,
      connections: this.#admission.connections,
      addresses: this.#admission.addresses,
      rss: memory.rss,
      heap: memory.heapUsed,
    };
  }

  /** Binds the port. Rejects with `AddressInUseError` when it is taken. */
  async start(): Promise<this> {
    if (this.#world) throw new Error("d-back: the server is already started");
    await this.#discordBot?.connect();
    const { discord, signInLimits, now = Date.now } = this.#options;
    const source = await this.#source();
    if (this.#world) throw new Error("d-back: the server is already started");
    // Loaded at the first Discord sign-in, not before the first request (cold start).
    const identity = once(async () => new (await import("./auth/discord.ts")).DiscordIdentity(discord, now));
    const world = this.#world = new World(source, this.state, this.log, this.#options.sourceTimeoutMs, {
      discord: { identify: async (token) => (await identity()).identify(token) },
      failures: new FailureLimiter(signInLimits, now),
    });
    const ingest = this.#options.ingest;
    const ingestMaxBytes = ingest?.maxBytes ?? 1024 * 1024;
    const app = createApp({
      version: VERSION,
      root: this.root,
      upgrade: this.#gate(this.runtime.upgradeWebSocket((c) => this.#accept(c), { maxFrameBytes: this.limits.maxFrameBytes })),
      health: () => this.health(),
      ingest: ingest && this.#ingest
        ? ingestRoutes({
          token: ingest.token,
          maxBytes: ingestMaxBytes,
          state: this.state,
          source: this.#ingest,
          upgradeWebSocket: this.runtime.upgradeWebSocket,
          log: this.log,
          remoteAddress: (c) => this.runtime.remoteAddress(c),
          refused: this.#ingestRefused = new RepeatedLines(this.log, "warn", "ingest request refused: missing or wrong bearer token"),
        })
        : ingestOff(),
      staticOverride: this.#callbacks.onStaticRequest,
      overTls: (c) => cameOverTls(c, isTrustedProxy(this.runtime.remoteAddress(c), this.#options.trustProxy ?? [])),
      log: this.log,
    });
    await world.refresh().catch((error) => this.log.warn("could not list servers", { error: String(error) }));
    try {
      const { maxFrameBytes, maxBufferedBytes, idleTimeoutSeconds, headerTimeoutSeconds } = this.limits;
      this.#listening = await this.runtime.listen({
        port: this.#options.port ?? 3000,
        hostname: this.#options.host ?? "127.0.0.1",
        fetch: app.fetch,
        // Viewers are held to their own frame limit; the ingest socket may send batches up to its body limit.
        sockets: {
          maxFrameBytes: Math.max(maxFrameBytes, ingest ? ingestMaxBytes : 0),
          maxBufferedBytes,
          idleTimeoutSeconds,
          headerTimeoutSeconds,
        },
        warn: (message, fields) => this.log.warn(message, fields),
      });
    } catch (error) {
      this.#world = undefined;
      await this.#discordBot?.close();
      throw error;
    }
    this.#startedAt = Date.now();
    this.log.info("listening", {
      url: this.url,
      runtime: this.runtime.name,
      source: world.source.name,
      ingest: ingest ? "on" : "off",
      static: this.root.description,
      version: VERSION,
    });
    return this;
  }

  /**
   * Stops gracefully: refuses new viewers, closes every open one with 1001
   * "going away", stops live feeds, and waits up to `shutdownGraceMs` in all
   * for the viewers to answer the close and for requests under way to
   * finish; then releases the port, dropping whoever is left. Calling it
   * again returns the same promise.
   */
  stop(): Promise<void> {
    return this.#stopping ??= this.#stop();
  }

  async #stop(): Promise<void> {
    const deadline = Date.now() + (this.#options.shutdownGraceMs ?? 2000);
    this.#admission.close();
    let allGone!: () => void;
    const gone = new Promise<void>((resolve) => this.#allGone = allGone = resolve);
    for (const viewer of [...this.#viewers.keys()]) {
      viewer.close();
      viewer.socket.close(Close.goingAway.code, Close.goingAway.reason);
    }
    this.#world?.close();
    const closed = Promise.resolve(this.#world?.source.close?.()).catch((error) =>
      this.log.error("source close failed", { error: String(error) })
    );
    if (this.#viewers.size === 0) allGone();
    await within(Promise.all([gone, closed]), deadline - Date.now());
    await this.#listening?.close(Math.max(0, deadline - Date.now()));
    this.#listening = undefined;
    this.#ingestRefused?.close();
  }

  /** Turns away upgrades past a connection limit, before the runtime upgrades anything. */
  #gate(upgrade: MiddlewareHandler): MiddlewareHandler {
    return async (c, next) => {
      if (c.req.raw.headers.get("upgrade")?.toLowerCase() !== "websocket") return next();
      const address = this.runtime.remoteAddress(c);
      const admitted = this.#admission.admit(address);
      if ("status" in admitted) {
        this.log.debug("upgrade refused", { addr: address, status: admitted.status });
        return c.text(`${admitted.text}\n`, admitted.status, admitted.status === 503 ? { "Retry-After": "10" } : {});
      }
      this.#tickets.set(c, admitted);
      const response = await upgrade(c, next);
      // No socket will open for a refused upgrade: give its place back.
      if (!response || response.status >= 400) admitted.release();
      return response;
    };
  }

  /** The sources in play: given, library, ingest, and the mock world when nothing else (or when asked). */
  async #source(): Promise<DataSource> {
    const sources: DataSource[] = [];
    if (this.#options.source) sources.push(this.#options.source);
    if (this.#discordBot) sources.push(this.#discordBot);
    if (hasDataCallbacks(this.#callbacks)) sources.push(new LibrarySource(this.#callbacks));
    if (this.#ingest) sources.push(this.#ingest);
    const mock = this.#options.mock;
    // Loaded only when wanted: a server fed by others starts without the mock world's code and data.
    if (sources.length === 0 || mock) sources.push(new (await import("./sources/mock/source.ts")).MockSource(typeof mock === "object" ? mock : {}));
    return sources.length === 1 ? sources[0]! : new CompositeSource(sources);
  }

  #register<K extends keyof Callbacks>(name: K, callback: Callbacks[K]): this {
    const method = name.startsWith("on") ? name : `on${name[0]!.toUpperCase()}${name.slice(1)}`;
    if (this.#world) throw new Error(`d-back: call ${method} before start()`);
    if (typeof callback !== "function") throw new TypeError(`d-back: ${method} takes a function`);
    this.#callbacks[name] = callback;
    return this;
  }

  #accept(c: Context): ViewerSocket {
    const { ratePerSecond, rateBurst } = this.limits;
    const lobby = this.#lobby ??= {
      context: { world: this.world, hub: this.hub, log: this.log, gone: (v: Viewer) => this.#gone(v) },
      log: this.log,
      rate: () => new RateLimit(ratePerSecond, rateBurst),
      holdUntilGone: (socket, ticket) => void this.runtime.gone(socket).then(() => ticket.release()),
      nextId: () => ++this.#nextId,
      enter: (viewer, ticket) => {
        this.#viewers.set(viewer, ticket);
        return !this.#stopping;
      },
      gone: (viewer) => this.#gone(viewer),
    };
    return new ViewerSocket(lobby, this.#tickets.get(c)!);
  }

  /** Forgets a viewer whose socket is closed or closing (its place is given back once the connection is gone). */
  #gone(viewer: Viewer): void {
    if (!this.#viewers.delete(viewer)) return;
    if (this.#viewers.size === 0) this.#allGone?.();
  }
}
