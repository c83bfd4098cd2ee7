import process from "node:process";
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "./log.ts";
import { createLogger } from "./log.ts";
import { VERSION } from "./version.ts";
import { Hub } from "./hub.ts";
import { State } from "./state/state.ts";
import { World } from "./world.ts";
import { Viewer } from "./viewer.ts";
import type { DataSource } from "./source/source.ts";
import { MockSource, type MockOptions } from "./mock/source.ts";
import { createApp } from "./http/app.ts";
import type { StaticRoot } from "./http/static.ts";
import { builtinRoot } from "./http/builtin-page.ts";
import { DirectoryRoot } from "./http/directory-root.ts";
import type { Listening, Runtime } from "./runtime/types.ts";
import { within } from "./within.ts";
import { Close, type Limits, withDefaults } from "./limits.ts";
import { Admission, type Ticket } from "./admission.ts";
import { RateLimit } from "./rate-limit.ts";

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Serve this folder (e.g. a d-zone build) instead of the built-in page. */
  staticDir?: string;
  /** Serve this root instead; wins over `staticDir`. */
  staticRoot?: StaticRoot;
  /** Where guilds and members come from. Default: the mock world. */
  source?: DataSource;
  /** Timing of the mock world, when `source` is not given. */
  mock?: MockOptions;
  /** How long a data source may take to answer, in ms. Default 5000. */
  sourceTimeoutMs?: number;
  /** What viewers may cost (src/limits.ts); unset ones keep their defaults. */
  limits?: Partial<Limits>;
  /** How long `stop()` waits for viewers to answer the close before it drops them, in ms. Default 2000. */
  shutdownGraceMs?: number;
  logger?: Logger;
}

/**
 * One d-back server: state, hub, data source and HTTP app, bound to a
 * runtime adapter. Data flows one way: source → state → hub → sockets.
 */
export class Server {
  readonly runtime: Runtime;
  readonly source: DataSource;
  readonly state: State;
  readonly hub: Hub;
  readonly world: World;
  readonly log: Logger;
  readonly root: StaticRoot;
  readonly limits: Readonly<Limits>;
  #options: ServerOptions;
  #admission: Admission;
  /** Open viewers, each with the place it holds. */
  #viewers = new Map<Viewer, Ticket>();
  /** The place each upgrade took, until its socket opens. */
  #tickets = new WeakMap<Context, Ticket>();
  #nextId = 0;
  #startedAt = Date.now();
  #listening: Listening | undefined;
  #stopping: Promise<void> | undefined;
  #allGone: (() => void) | undefined;

  constructor(runtime: Runtime, options: ServerOptions = {}) {
    this.runtime = runtime;
    this.#options = options;
    this.log = options.logger ?? createLogger("info");
    this.limits = withDefaults(options.limits);
    this.#admission = new Admission(this.limits);
    this.source = options.source ?? new MockSource(options.mock);
    // hub and world need each other (events flow in, room changes flow out), so tie them late.
    let world!: World;
    this.hub = new Hub(runtime, { active: (g) => world.active(g), idle: (g) => world.idle(g) });
    this.state = new State(this.hub);
    this.world = world = new World(this.source, this.state, this.log, options.sourceTimeoutMs);
    this.root = options.staticRoot ??
      (options.staticDir ? new DirectoryRoot(options.staticDir, runtime.openFile) : builtinRoot(VERSION));
  }

  /** Open viewer connections. */
  get viewers(): number {
    return this.#viewers.size;
  }

  /** The bound port, once started. */
  get port(): number {
    if (!this.#listening) throw new Error("the server is not started");
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
      source: this.source.name,
      guilds: this.state.size,
      watched: this.hub.rooms,
      joined: this.hub.viewers(),
      feeds: this.world.watching,
      connections: this.#admission.connections,
      addresses: this.#admission.addresses,
      rss: memory.rss,
      heap: memory.heapUsed,
    };
  }

  /** Binds the port. Rejects with `AddressInUseError` when it is taken. */
  async start(): Promise<this> {
    const app = createApp({
      version: VERSION,
      root: this.root,
      upgrade: this.#gate(this.runtime.upgradeWebSocket((c) => this.#accept(c))),
      health: () => this.health(),
      log: this.log,
    });
    await this.world.refresh().catch((error) => this.log.warn("could not list servers", { error: String(error) }));
    const { maxFrameBytes, maxBufferedBytes, idleTimeoutSeconds } = this.limits;
    this.#listening = await this.runtime.listen({
      port: this.#options.port ?? 3000,
      hostname: this.#options.host ?? "127.0.0.1",
      fetch: app.fetch,
      sockets: { maxFrameBytes, maxBufferedBytes, idleTimeoutSeconds },
    });
    this.#startedAt = Date.now();
    this.log.info("listening", {
      url: this.url,
      runtime: this.runtime.name,
      source: this.source.name,
      static: this.root.description,
      version: VERSION,
    });
    return this;
  }

  /**
   * Stops gracefully: refuses new viewers, closes every open one with 1001
   * "going away", stops live feeds, waits up to `shutdownGraceMs` for the
   * viewers to answer the close, then releases the port (dropping whoever
   * is left). Calling it again returns the same promise.
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
    this.world.close();
    if (this.#viewers.size === 0) allGone();
    await within(gone, deadline - Date.now());
    await this.#listening?.close(Math.max(0, deadline - Date.now()));
    this.#listening = undefined;
  }

  /** Turns away upgrades past a connection limit, before the runtime upgrades anything. */
  #gate(upgrade: MiddlewareHandler): MiddlewareHandler {
    return async (c, next) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return next();
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

  #accept(c: Context) {
    const ticket = this.#tickets.get(c)!;
    let viewer: Viewer | undefined;
    const { ratePerSecond, rateBurst } = this.limits;
    const ctx = { world: this.world, hub: this.hub, log: this.log, gone: (v: Viewer) => this.#gone(v) };
    const fail = (what: string) => (error: unknown) =>
      this.log.error(what, { viewer: viewer?.id, addr: ticket.address, error: String(error) });
    return {
      onOpen: (_: Event, socket: Viewer["socket"]) => {
        viewer = new Viewer(socket, ++this.#nextId, ticket.address, new RateLimit(ratePerSecond, rateBurst), ctx);
        this.#viewers.set(viewer, ticket);
        if (this.#stopping) return viewer.end(Close.goingAway);
        viewer.open().catch(fail("open failed"));
      },
      onMessage: (event: MessageEvent) => {
        const data = event.data as string | ArrayBuffer | Uint8Array;
        Promise.resolve(viewer?.receive(data)).catch(fail("message failed"));
      },
      onClose: (event: CloseEvent) => {
        ticket.release();
        if (!viewer) return;
        if (event.code !== 1000 && event.code !== 1001 && event.code !== 1005) {
          this.log.debug("viewer closed", { viewer: viewer.id, code: event.code, reason: event.reason });
        }
        viewer.close();
        this.#gone(viewer);
      },
    };
  }

  /** Forgets a viewer whose socket is closed or closing, and gives its place back. */
  #gone(viewer: Viewer): void {
    const ticket = this.#viewers.get(viewer);
    if (!ticket) return;
    this.#viewers.delete(viewer);
    ticket.release();
    if (this.#viewers.size === 0) this.#allGone?.();
  }
}
