import process from "node:process";
import type { ServerOptions } from "./server-options.ts";
export type { ServerOptions } from "./server-options.ts";
import type * as v from "valibot";
import { createLogger, type Logger } from "./log.ts";
import { VERSION } from "./version.ts";
import { Hub } from "./hub.ts";
import { State } from "./state/state.ts";
import { World } from "./world.ts";
import { Doorway } from "./doorway.ts";
import type { Callbacks } from "./sources/library/callbacks.ts";
import { Lineup } from "./sources/lineup.ts";
import { ClientIdData, MessageData, PresenceData } from "./protocol/events.ts";
import type { StaticRoot } from "./http/static.ts";
import { builtinRoot } from "./http/builtin-page.ts";
import { DirectoryRoot } from "./http/directory-root.ts";
import { listenUrl } from "./http/listen-url.ts";
import { publicAddress } from "./public-address.ts";
import type { Listening, Runtime } from "./runtime/types.ts";
import { checkTls } from "./tls.ts";
import { type Meter, noMeter } from "./metrics/meter.ts";
import { AdminPort } from "./admin/admin-port.ts";
import { within } from "./within.ts";
import { type Limits, portLimits, withDefaults } from "./limits.ts";
import { signInGuard } from "./auth/guard.ts";
import type { Writes } from "./state/writes.ts";
import type { Cluster } from "./cluster/cluster.ts";
import { checkPayload as check } from "./payload-check.ts";
import { serverApp } from "./server-app.ts";
import type { RepeatedLines } from "./log-repeats.ts";
export { InvalidPayloadError } from "./payload-check.ts";

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
  /** Where the core counts what happens (the admin listener's metrics, or nothing). */
  readonly meter: Meter;
  #admin: AdminPort | undefined;
  #options: ServerOptions;
  #callbacks: Callbacks;
  #cluster: Cluster | undefined;
  /** Where the sources write: State itself, or the cluster bus that feeds every instance's State. */
  #writes: Writes;
  #sources!: Lineup;
  #world: World | undefined;
  #doorway: Doorway;
  #startedAt = Date.now();
  #listening: Listening | undefined;
  #stopping: Promise<void> | undefined;
  #ingestRefused: RepeatedLines | undefined;

  constructor(runtime: Runtime, options: ServerOptions = {}) {
    this.runtime = runtime;
    this.#options = options;
    this.#callbacks = { ...options.callbacks };
    const logger = options.logger ?? createLogger("info");
    this.#admin = options.admin && new AdminPort(this, options.admin);
    this.log = this.#admin?.recent.wrap(logger) ?? logger;
    this.meter = this.#admin?.meter ?? noMeter;
    this.limits = withDefaults(options.limits);
    this.hub = new Hub(runtime, { active: (g) => this.#world?.active(g), idle: (g) => this.#world?.idle(g) }, this.meter);
    const { log, meter, limits, hub } = this;
    this.#doorway = new Doorway({ runtime, hub, log, meter, limits, world: () => this.world });
    this.state = new State(this.hub, options.discord?.clientId);
    this.#writes = this.state;
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
    const checked = check(PresenceData, data, "broadcastPresence");
    return this.meter.event("library", "presence", () => this.#writes.presence(guildId, checked));
  }

  /** A member wrote in a channel of the guild. */
  broadcastMessage(guildId: string, data: v.InferInput<typeof MessageData>): boolean {
    const checked = check(MessageData, data, "broadcastMessage");
    return this.meter.event("library", "message", () => this.#writes.message(guildId, checked));
  }

  /** The guild's Discord OAuth2 client id changed. */
  broadcastClientId(guildId: string, clientId: string): boolean {
    const data = check(ClientIdData, { clientId }, "broadcastClientId");
    return this.meter.event("library", "update-clientid", () => this.#writes.clientId(guildId, data.clientId));
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  /** The data source as seen through state; there once the server has started. */
  get world(): World {
    if (!this.#world) throw new Error("d-back: the server is not started");
    return this.#world;
  }

  /** This instance's membership of a cluster (`cluster` option), for leases and readiness. */
  get cluster(): Cluster | undefined {
    return this.#cluster;
  }

  /** Open viewer connections. */
  get viewers(): number {
    return this.#doorway.viewers;
  }

  /** Whether `start()` has run. */
  get started(): boolean {
    return !!this.#world;
  }

  /** The admin listener's URL (metrics, operator page), once started with `admin`. */
  get adminUrl(): string {
    if (!this.#admin) throw new Error("d-back: the admin listener is off (ServerOptions.admin)");
    return this.#admin.url;
  }

  /** The bound port, once started. */
  get port(): number {
    if (!this.#listening) throw new Error("d-back: the server is not started");
    return this.#listening.port;
  }

  get url(): string {
    const host = this.#listening?.hostname ?? publicAddress(this.#options).hostname;
    return listenUrl(this.#options.tls ? "https" : "http", host, this.port);
  }

  /** Whole seconds since the server began listening (since it was made, before that). */
  get uptimeSeconds(): number {
    return Math.round((Date.now() - this.#startedAt) / 1000);
  }

  health(): Record<string, unknown> {
    const memory = process.memoryUsage();
    return {
      status: this.#stopping ? "stopping" : "ok",
      version: VERSION,
      uptime: this.uptimeSeconds,
      viewers: this.#doorway.viewers,
      source: this.#world?.source.name,
      sources: this.#world?.source.status?.(),
      guilds: this.state.size,
      watched: this.hub.rooms,
      joined: this.hub.viewers(),
      feeds: this.#world?.watching ?? 0,
      connections: this.#doorway.connections,
      addresses: this.#doorway.addresses,
      rss: memory.rss,
      heap: memory.heapUsed,
      ...(this.#cluster ? { cluster: this.#cluster.status() } : {}),
    };
  }

  /** Whether to send viewers here (`/ready`): listening, not stopping, and the data source has what they should see. */
  readiness(): { ready: boolean; status: "starting" | "ready" | "stopping" } {
    if (this.#stopping) return { ready: false, status: "stopping" };
    const ready = !!this.#listening && (this.#world?.source.ready?.() ?? true);
    return { ready, status: ready ? "ready" : "starting" };
  }

  /** Binds the port. Rejects with `AddressInUseError` when it is taken. */
  async start(): Promise<this> {
    if (this.#world) throw new Error("d-back: the server is already started");
    const { tls, bound } = this.#options;
    const validTo = bound ? bound.tlsValidTo : tls && await checkTls(tls);
    await this.#gather();
    await this.#sources.connect();
    const source = await this.#sources.source(this.#callbacks);
    if (this.#world) throw new Error("d-back: the server is already started");
    const world = this.#world = new World(source, this.state, this.log, this.#options.sourceTimeoutMs, signInGuard(this.#options), this.meter);
    const { app, ingestRefused } = serverApp(this, this.#options, {
      upgrade: this.#doorway.upgrade(),
      ingest: this.#sources.ingest,
      writes: this.#writes,
      clustered: !!this.#cluster,
      callbacks: this.#callbacks,
    });
    this.#ingestRefused = ingestRefused;
    this.#cluster?.start();
    this.#sources.start();
    await world.refresh().catch((error) => this.log.warn("could not list servers", { error: String(error) }));
    try {
      const warn = (message: string, fields?: Record<string, string | number>) => this.log.warn(message, fields);
      this.#listening = bound ? bound.open(app.fetch, warn) : await this.runtime.listen({
        ...publicAddress(this.#options),
        fetch: app.fetch,
        tls,
        sockets: portLimits(this.limits, this.#options.ingest),
        warn,
      });
    } catch (error) {
      this.#world = undefined;
      await this.#sources.discordBot?.close();
      throw error;
    }
    this.#startedAt = Date.now();
    await this.#admin?.start().catch(async (error) => {
      await this.#listening?.close();
      this.#listening = this.#world = undefined;
      throw error;
    });
    this.log.info("listening", {
      url: this.url,
      runtime: this.runtime.name,
      source: world.source.name,
      ingest: this.#options.ingest ? "on" : "off",
      static: this.root.description,
      tls: validTo ? `until ${validTo}` : "off",
      admin: this.#admin?.url ?? "off",
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
    const gone = this.#doorway.close();
    this.#world?.close();
    const closed = Promise.resolve(this.#world?.source.close?.()).catch((error) =>
      this.log.error("source close failed", { error: String(error) })
    );
    await within(Promise.all([gone, closed]), deadline - Date.now());
    // Stopped while starting on the command's early port: what it holds is told 503 rather than cut.
    await (this.#listening ? this.#listening.close(Math.max(0, deadline - Date.now())) : this.#options.bound?.refuse());
    await this.#admin?.stop();
    this.#listening = undefined;
    this.#ingestRefused?.close();
  }

  /** The admin listener and the cluster (each loaded only when asked for) and the sources that feed this server. */
  async #gather(): Promise<void> {
    const options = this.#options;
    await this.#admin?.load();
    if (options.cluster && !this.#cluster) {
      const { Cluster } = await import("./cluster/cluster.ts");
      this.#cluster = new Cluster({ ...options.cluster, state: this.state, log: this.log });
      this.#writes = this.#cluster.bus;
    }
    this.#sources = new Lineup(options, this.state, this.#cluster, this.log, this.meter);
  }

  #register<K extends keyof Callbacks>(name: K, callback: Callbacks[K]): this {
    const method = name.startsWith("on") ? name : `on${name[0]!.toUpperCase()}${name.slice(1)}`;
    if (this.#world) throw new Error(`d-back: call ${method} before start()`);
    if (typeof callback !== "function") throw new TypeError(`d-back: ${method} takes a function`);
    this.#callbacks[name] = callback;
    return this;
  }
}
