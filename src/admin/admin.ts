import type { Server } from "../server.ts";
import { AddressInUseError, ListenError, type Listening } from "../runtime/types.ts";
import { VERSION } from "../version.ts";
import { PrometheusMeter } from "../metrics/prometheus.ts";
import { EventLoopLag } from "../metrics/event-loop-lag.ts";
import type { RecentLog } from "./recent-log.ts";
import { figuresOf } from "./figures.ts";
import { overview } from "./overview.ts";
import { adminApp } from "./app.ts";
import { isLoopback } from "./loopback-host.ts";
import { listenUrl } from "../http/listen-url.ts";

export interface AdminOptions {
  /** TCP port of the admin listener; 0 picks a free one. */
  port: number;
  /** Address to bind. Default 127.0.0.1: the page and metrics are for the operator, not the internet. */
  host?: string;
}

/**
 * The admin listener, apart from the public port: Prometheus metrics at
 * /metrics and the operator page at /. It owns the Prometheus meter the
 * core's counts are forwarded to; the ring of recent warnings the page
 * shows is the `AdminPort`'s (it fills from the server's first line on).
 */
export class Admin {
  readonly meter: PrometheusMeter;
  #recent: RecentLog;
  #server: Server;
  #options: AdminOptions;
  #listening: Listening | undefined;
  #lag: EventLoopLag | undefined;

  constructor(server: Server, options: AdminOptions, recent: RecentLog) {
    this.#server = server;
    this.#recent = recent;
    this.#options = options;
    this.meter = new PrometheusMeter({ version: VERSION, runtime: server.runtime.name });
  }

  async start(): Promise<void> {
    const server = this.#server;
    const lag = this.#lag = new EventLoopLag();
    const [scrapeLag, pageLag] = [lag.reader(), lag.reader()];
    this.meter.readFrom(() => figuresOf(server, scrapeLag()));
    const about = () => ({ version: VERSION, runtime: server.runtime.name, limits: { ...server.limits }, recent: this.#recent.entries() });
    const hostname = this.#options.host ?? "127.0.0.1";
    const app = adminApp({
      meter: this.meter,
      overview: () => overview(this.meter, figuresOf(server, pageLag()), about()),
      log: server.log,
      loopback: isLoopback(hostname),
    });
    try {
      this.#listening = await server.runtime.listenHttp({ port: this.#options.port, hostname, fetch: app.fetch });
    } catch (error) {
      lag.stop();
      if (error instanceof ListenError || error instanceof AddressInUseError) error.listener = "admin";
      throw error;
    }
  }

  get url(): string {
    if (!this.#listening) throw new Error("d-back: the admin listener is not started");
    return listenUrl("http", this.#listening.hostname, this.#listening.port);
  }

  async stop(graceMs = 0): Promise<void> {
    this.#lag?.stop();
    await this.#listening?.close(graceMs);
    this.#listening = undefined;
  }
}
