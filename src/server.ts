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
  #options: ServerOptions;
  #viewers = new Set<Viewer>();
  #nextId = 0;
  #startedAt = Date.now();
  #listening: Listening | undefined;

  constructor(runtime: Runtime, options: ServerOptions = {}) {
    this.runtime = runtime;
    this.#options = options;
    this.log = options.logger ?? createLogger("info");
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
    return {
      status: "ok",
      version: VERSION,
      uptime: Math.round((Date.now() - this.#startedAt) / 1000),
      viewers: this.#viewers.size,
      source: this.source.name,
      guilds: this.state.size,
      watched: this.hub.rooms,
    };
  }

  /** Binds the port. Rejects with `AddressInUseError` when it is taken. */
  async start(): Promise<this> {
    const app = createApp({
      version: VERSION,
      root: this.root,
      upgrade: this.runtime.upgradeWebSocket((c) => this.#accept(this.runtime.remoteAddress(c))),
      health: () => this.health(),
      log: this.log,
    });
    await this.world.refresh().catch((error) => this.log.warn("could not list servers", { error: String(error) }));
    this.#listening = await this.runtime.listen({
      port: this.#options.port ?? 3000,
      hostname: this.#options.host ?? "127.0.0.1",
      fetch: app.fetch,
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

  /** Closes every viewer (1001 going away), stops live feeds, and releases the port. */
  async stop(): Promise<void> {
    for (const viewer of this.#viewers) viewer.socket.close(1001, "going away");
    this.world.close();
    await this.#listening?.close();
    this.#listening = undefined;
  }

  #accept(address: string) {
    let viewer: Viewer | undefined;
    const ctx = { world: this.world, hub: this.hub, log: this.log };
    const fail = (what: string) => (error: unknown) =>
      this.log.error(what, { viewer: viewer?.id, error: String(error) });
    return {
      onOpen: (_: Event, socket: Viewer["socket"]) => {
        viewer = new Viewer(socket, ++this.#nextId, address, ctx);
        this.#viewers.add(viewer);
        viewer.open().catch(fail("open failed"));
      },
      onMessage: (event: MessageEvent) => {
        const data = event.data as string | ArrayBuffer | Uint8Array;
        Promise.resolve(viewer?.receive(data)).catch(fail("message failed"));
      },
      onClose: () => {
        if (!viewer) return;
        viewer.close();
        this.#viewers.delete(viewer);
      },
    };
  }
}
