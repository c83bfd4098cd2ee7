/** Milliseconds since the epoch; injectable so tests move time instead of sleeping. */
export type Clock = () => number;

export interface FailureLimits {
  /** Failures allowed per key within the window; the attempt after them is refused. Default 5. */
  failures?: number;
  /** The sliding window, in ms. Default 60 000. */
  windowMs?: number;
}

/** One sign-in attempt under way, holding a place under each of its keys until it ends. */
export interface Attempt {
  /** It was refused: the place becomes a failure. Returns whether that locked a key out just now. */
  fail(): boolean;
  /** It succeeded, or ended without a verdict: the place is given back. */
  release(): void;
}

/**
 * Counts failed sign-in attempts per key (a connection, a remote address)
 * over a sliding window, so guessing passwords or replaying tokens costs a
 * minute per handful of tries and never reaches Discord in bulk. Attempts
 * still in flight count too: 60 simultaneous sign-ins from one address get
 * five checks between them, not sixty.
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
  /** Attempts under way per key (never more than `failures` each, so bounded with the keys). */
  #inFlight = new Map<string, number>();

  constructor(limits: FailureLimits = {}, now: Clock = Date.now, maxKeys = 10_000) {
    this.failures = limits.failures ?? 5;
    this.windowMs = limits.windowMs ?? 60_000;
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /** Whether any of `keys` has used up its failures within the window, counting attempts still under way as failures. */
  blocked(keys: readonly string[]): boolean {
    const since = this.#now() - this.windowMs;
    return keys.some((key) => this.#recent(key, since) + (this.#inFlight.get(key) ?? 0) >= this.failures);
  }

  /**
   * Starts an attempt under `keys`, or returns undefined when any of them has
   * no attempt left (failures within the window plus attempts under way).
   */
  begin(keys: readonly string[]): Attempt | undefined {
    if (this.blocked(keys)) return undefined;
    for (const key of keys) this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    let ended = false;
    const end = () => {
      if (ended) return false;
      ended = true;
      for (const key of keys) {
        const n = this.#inFlight.get(key)! - 1;
        if (n > 0) this.#inFlight.set(key, n);
        else this.#inFlight.delete(key);
      }
      return true;
    };
    return { fail: () => end() && this.fail(keys), release: () => void end() };
  }

  /** Records one failure under each of `keys`. Returns whether that used up some key's failures just now (a lockout began). */
  fail(keys: readonly string[]): boolean {
    const now = this.#now();
    let lockedOut = false;
    for (const key of keys) {
      const before = this.#recent(key, now - this.windowMs);
      if (before < this.failures && before + 1 >= this.failures) lockedOut = true;
      const times = this.#times.get(key) ?? [];
      times.push(now);
      if (times.length > this.failures) times.shift();
      // Re-inserting moves the key to the back: the map stays ordered by last failure.
      this.#times.delete(key);
      this.#times.set(key, times);
    }
    this.#sweep(now);
    return lockedOut;
  }

  /** Keys tracked now (for tests and health). */
  get size(): number {
    return this.#times.size;
  }

  /** Failures of `key` after `since`. */
  #recent(key: string, since: number): number {
    return this.#times.get(key)?.filter((t) => t > since).length ?? 0;
  }

  #sweep(now: number): void {
    const since = now - this.windowMs;
    for (const [key, times] of this.#times) {
      if (this.#times.size > this.#maxKeys || times[times.length - 1]! <= since) this.#times.delete(key);
      else break;
    }
  }
}
