import type { Server } from "../server.ts";
import { ForwardMeter } from "../metrics/forward-meter.ts";
import type { Admin, AdminOptions } from "./admin.ts";
import { RecentLog } from "./recent-log.ts";

/**
 * The admin listener as a server holds it from its constructor on. Its code
 * (prom-client, the operator page) loads in `load()`, at start and only when
 * an admin port is asked for, so a server without one starts without it
 * (cold start). The core counts into `meter`, which forwards to the
 * Prometheus meter once loaded; before start nothing is counted anyway (no
 * guild is known, no viewer is in).
 */
export class AdminPort {
  readonly recent = new RecentLog();
  readonly meter = new ForwardMeter();
  #server: Server;
  #options: AdminOptions;
  #admin: Admin | undefined;

  constructor(server: Server, options: AdminOptions) {
    this.#server = server;
    this.#options = options;
  }

  /** Loads the listener's code and makes it the meter's target; call before the server listens. */
  async load(): Promise<void> {
    if (this.#admin) return;
    const { Admin } = await import("./admin.ts");
    this.#admin = new Admin(this.#server, this.#options, this.recent);
    this.meter.to = this.#admin.meter;
  }

  start(): Promise<void> {
    if (!this.#admin) throw new Error("d-back: the admin listener is not loaded");
    return this.#admin.start();
  }

  get url(): string {
    if (!this.#admin) throw new Error("d-back: the admin listener is not started");
    return this.#admin.url;
  }

  async stop(): Promise<void> {
    await this.#admin?.stop();
  }
}
