/** Milliseconds since the epoch; injectable so tests move time instead of sleeping. */
export type Clock = () => number;

export interface FailureLimits {
  /** Failures allowed per key within the window; the attempt after them is refused. Default 5. */
  failures?: number;
  /** The sliding window, in ms. Default 60 000. */
  windowMs?: number;
}

/**
 * Counts failed sign-in attempts per key (a connection, a remote address)
 * over a sliding window, so guessing passwords or replaying tokens costs a
 * minute per handful of tries and never reaches Discord in bulk.
 *
 * Memory stays bounded whatever the traffic: keys are kept in order of their
 * last failure, keys whose failures have all aged out are dropped from the
 * front as new ones arrive, and past `maxKeys` the oldest key goes.
 */
export class FailureLimiter {
  readonly failures: number;
  readonly windowMs: number;
  #now: Clock;
  #maxKeys: number;
  /** Times of the last `failures` failures per key, oldest first. */
  #times = new Map<string, number[]>();

  constructor(limits: FailureLimits = {}, now: Clock = Date.now, maxKeys = 10_000) {
    this.failures = limits.failures ?? 5;
    this.windowMs = limits.windowMs ?? 60_000;
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /** Whether any of `keys` has used up its failures within the window. */
  blocked(keys: readonly string[]): boolean {
    const since = this.#now() - this.windowMs;
    return keys.some((key) => (this.#times.get(key)?.filter((t) => t > since).length ?? 0) >= this.failures);
  }

  /** Records one failure under each of `keys`. */
  fail(keys: readonly string[]): void {
    const now = this.#now();
    for (const key of keys) {
      const times = this.#times.get(key) ?? [];
      times.push(now);
      if (times.length > this.failures) times.shift();
      // Re-inserting moves the key to the back: the map stays ordered by last failure.
      this.#times.delete(key);
      this.#times.set(key, times);
    }
    this.#sweep(now);
  }

  /** Keys tracked now (for tests and health). */
  get size(): number {
    return this.#times.size;
  }

  #sweep(now: number): void {
    const since = now - this.windowMs;
    for (const [key, times] of this.#times) {
      if (this.#times.size > this.#maxKeys || times[times.length - 1]! <= since) this.#times.delete(key);
      else break;
    }
  }
}
