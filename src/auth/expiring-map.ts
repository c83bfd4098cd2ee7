import type { Clock } from "./failures.ts";

/**
 * A map whose entries vanish after their time to live: remembered sign-ins
 * and Discord's per-token rate limits. Bounded: past `maxEntries` the entry
 * stored longest ago goes first, and expired entries at the front are dropped
 * as new ones arrive.
 */
export class ExpiringMap<V> {
  #now: Clock;
  #maxEntries: number;
  #entries = new Map<string, { value: V; expires: number }>();

  constructor(now: Clock = Date.now, maxEntries = 10_000) {
    this.#now = now;
    this.#maxEntries = maxEntries;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires > this.#now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, ttlMs: number): void {
    const now = this.#now();
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: now + ttlMs });
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size > this.#maxEntries || entry.expires <= now) this.#entries.delete(key);
      else break;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
