import process from "node:process";
import type { State } from "../state/state.ts";
import type { Writes } from "../state/writes.ts";
import type { Logger } from "../log.ts";
import { ClusterBus } from "./bus.ts";
import { Instances } from "./instances.ts";
import { type Held, Lease, type LeaseTimings } from "./lease.ts";
import { redactRedisUrl } from "./url.ts";

export interface ClusterOptions {
  /** `redis://[:password@]host:port/db`; the password is never logged. */
  url: string;
  /** Key prefix in Redis; instances with the same prefix share one world. Default `dback:`. */
  prefix?: string;
  state: State;
  log: Logger;
  /** This instance's name in /health and in lease holders. Default: the process id and a random part (not the host name: reading it may need a permission the runtime was not given). */
  id?: string;
  leaseTimings?: Partial<LeaseTimings>;
}

/**
 * This instance's membership of a cluster: the bus that carries the world
 * (bus.ts), the list of instances, and the leases that keep a task (the
 * Discord gateway) running on one instance at a time. `ready()` says whether
 * State holds the shared world; `/ready` should answer 503 while it does not.
 */
export class Cluster {
  readonly id: string;
  readonly bus: ClusterBus;
  #url: string;
  #log: Logger;
  #instances: Instances;
  #leases: Lease[] = [];
  #holders: Record<string, string | null> = {};
  #ends: (() => Promise<void>)[] = [];
  #timings: Partial<LeaseTimings> | undefined;

  constructor(options: ClusterOptions) {
    this.#url = options.url;
    this.#log = options.log;
    this.#timings = options.leaseTimings;
    this.id = options.id ?? `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    this.bus = new ClusterBus({ url: options.url, prefix: options.prefix, state: options.state, log: options.log });
    this.#instances = new Instances(() => this.bus.redis, this.bus.prefix, this.id, 2000, () => this.#readHolders());
  }

  start(): void {
    this.bus.start();
    this.#instances.start();
    this.#log.info("cluster joining", { redis: redactRedisUrl(this.#url), instance: this.id });
  }

  ready(): boolean {
    return this.bus.ready();
  }

  status(): Record<string, unknown> {
    return {
      redis: redactRedisUrl(this.#url),
      instance: this.id,
      ready: this.ready(),
      ...this.bus.status(),
      instances: this.#instances.seen.length,
      leaders: this.#holders,
    };
  }

  /**
   * Runs `start` on whichever instance holds the named lease, one at a time
   * across the cluster; it gets writes that Redis refuses once the lease has
   * passed on, and the function it returns is called when it does.
   */
  whileLeader(name: string, start: (writes: Writes, held: Held) => () => void): void {
    const redis = this.bus.redis;
    if (!redis) throw new Error("d-back: start the cluster before taking a lease");
    const lease = new Lease(redis, { prefix: this.bus.prefix, name, holder: this.id, log: this.#log, timings: this.#timings });
    this.#leases.push(lease);
    this.#holders[name] = null;
    this.#ends.push(lease.whileLeader((held) => start(this.bus.fenced(held), held)));
  }

  async #readHolders(): Promise<void> {
    for (const lease of this.#leases) this.#holders[lease.name] = (await lease.holder())?.replace(/\|\d+$/, "") ?? null;
  }

  async close(): Promise<void> {
    await Promise.all(this.#ends.map((end) => end()));
    await this.#instances.close();
    await this.bus.close();
  }
}
