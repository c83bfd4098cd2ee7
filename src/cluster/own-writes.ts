import type { Mirror } from "./mirror.ts";

interface Wait {
  since: number;
  done: () => void;
}

/**
 * This instance's own writes, from sent to applied here. `committed()` waits
 * for every write sent so far to be in Redis, then for read-your-writes: Redis
 * answers each write with the guild's sequence number; only the latest answer
 * per guild is kept (answers on one connection come in order), and `applied()`
 * waits, once per guild rather than once per write, until the local replica
 * (mirror.ts) has applied it: a producer told "stored" then finds its guild
 * and its events here. Nothing waits on the viewers' path: the replica broadcasts each event
 * as it applies it, whoever is waiting.
 *
 * Each wait is bounded (a lost subscription is mended later by a resync, and
 * must not hold an acknowledgement meanwhile) by one timer for all waits, set
 * for the oldest, instead of a timer per write. A number whose wait ran out
 * is forgotten, so one from before Redis lost its counters costs one wait, not
 * one per acknowledgement.
 */
export class OwnWrites {
  #mirror: Mirror;
  #limitMs: number;
  /** Writes on their way to Redis; each settles with the error that kept it out, or undefined. */
  #sending = new Set<Promise<Error | undefined>>();
  /** The latest number Redis gave this instance's writes, per guild, not yet seen applied here. */
  #latest = new Map<string, number>();
  /** Waits under way, oldest first (a Set keeps insertion order). */
  #waits = new Set<Wait>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(mirror: Mirror, limitMs: number) {
    this.#mirror = mirror;
    this.#limitMs = limitMs;
    // A guild a read found gone will never reach the number stored for it: an acknowledgement
    // made later (for any guild) must not wait the limit out for it.
    mirror.gone = (guildId) => this.#latest.delete(guildId);
  }

  /** A write of this instance is on its way to Redis; `committed()` waits for it. */
  sending(settled: Promise<Error | undefined>): void {
    this.#sending.add(settled);
    settled.then(() => this.#sending.delete(settled));
  }

  /** Settles once the writes sent so far are in Redis; rejects if one is not. */
  async inRedis(): Promise<void> {
    const errors = await Promise.all([...this.#sending]);
    const error = errors.find((e) => e !== undefined);
    if (error) throw error;
  }

  /** Settles once the writes sent so far are in Redis and applied here (`applied()`); rejects if one is not in Redis. */
  async committed(): Promise<void> {
    await this.inRedis();
    await this.applied();
  }

  /** Redis stored a write of this instance to the guild under number `seq`. */
  stored(guildId: string, seq: number): void {
    this.#latest.set(guildId, seq);
  }

  /** Settles once this replica has applied every write stored so far, or once the limit has passed; never rejects. */
  applied(): Promise<void> {
    const pending: Promise<void>[] = [];
    const waited: [string, number][] = [];
    for (const [guildId, seq] of this.#latest) {
      if (this.#mirror.reached(guildId, seq)) {
        this.#latest.delete(guildId);
        continue;
      }
      pending.push(this.#mirror.applied(guildId, seq));
      waited.push([guildId, seq]);
    }
    if (pending.length === 0) return Promise.resolve();
    return this.#bounded(Promise.all(pending)).then(() => {
      // Applied or given up on: either way not worth waiting for again, unless a later write replaced it.
      for (const [guildId, seq] of waited) if (this.#latest.get(guildId) === seq) this.#latest.delete(guildId);
    });
  }

  /** Lets every wait go (the bus is closing). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const wait of this.#waits) wait.done();
    this.#waits.clear();
  }

  #bounded(settled: Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      const wait: Wait = { since: performance.now(), done: resolve };
      this.#waits.add(wait);
      settled.then(() => {
        this.#waits.delete(wait);
        resolve();
      });
      this.#arm();
    });
  }

  /** Keeps one timer, for the oldest wait, while any is under way. */
  #arm(): void {
    if (this.#timer !== undefined) return;
    const oldest = this.#waits.values().next().value;
    if (!oldest) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = performance.now();
      for (const wait of this.#waits) {
        if (now - wait.since < this.#limitMs) break;
        this.#waits.delete(wait);
        wait.done();
      }
      this.#arm();
    }, Math.max(0, oldest.since + this.#limitMs - performance.now()));
  }
}
