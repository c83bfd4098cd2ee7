import type { Redis } from "ioredis";

/**
 * The instances of the cluster, as each one sees them: every instance puts
 * its id and the time into a sorted set every few seconds, and counts the
 * ids heard from lately. For /health only; nothing depends on the count.
 */
export class Instances {
  #id: string;
  #redis: () => Redis | undefined;
  #key: string;
  #everyMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #seen: string[] = [];
  #after: () => Promise<void>;

  /** `after` runs after each beat (the cluster reads its leases' holders then). */
  constructor(redis: () => Redis | undefined, prefix: string, id: string, everyMs: number, after: () => Promise<void>) {
    this.#redis = redis;
    this.#key = `${prefix}instances`;
    this.#id = id;
    this.#everyMs = everyMs;
    this.#after = after;
  }

  start(): void {
    this.#timer = setInterval(() => this.#beat().catch(() => {/* Redis down: the bus says so */}), this.#everyMs);
    this.#beat().catch(() => {});
  }

  /** Ids of the instances heard from within the last three beats (this one included). */
  get seen(): readonly string[] {
    return this.#seen;
  }

  async #beat(): Promise<void> {
    const redis = this.#redis();
    if (redis?.status !== "ready") return;
    const now = Date.now();
    const [, , seen] = (await redis.multi()
      .zadd(this.#key, now, this.#id)
      .zremrangebyscore(this.#key, 0, now - 3 * this.#everyMs)
      .zrange(this.#key, 0, -1)
      .exec()) ?? [];
    if (seen && !seen[0]) this.#seen = seen[1] as string[];
    await this.#after();
  }

  /** Stops beating and takes this instance off the list. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    const redis = this.#redis();
    if (redis?.status === "ready") await redis.zrem(this.#key, this.#id).catch(() => {});
  }
}
