/**
 * Request Guild Members (op 8) within Discord's limits: at most one full
 * request per guild per `intervalMs` (Discord: 30 s), and after a
 * `RATE_LIMITED` none before its `retry_after` has passed. Both are
 * remembered across gateway sessions, since a re-identify does not reset
 * Discord's count. Each request carries a nonce, so chunks that answer an
 * older request (a previous session's) are told apart.
 */
/** The longest a RATE_LIMITED may hold a guild's member request back. */
export const MAX_RETRY_AFTER_S = 600;

export interface MemberRequest {
  guild_id: string;
  query: "";
  limit: 0;
  presences: true;
  nonce: string;
}

interface Pending {
  nonce: string;
  seen: Set<number>;
}

export class MemberRequests {
  #send: (request: MemberRequest) => void;
  #intervalMs: number;
  #now: () => number;
  /** When each guild was last asked, across sessions. */
  #lastAt = new Map<string, number>();
  /** Not before this time, per guild, after a RATE_LIMITED. */
  #notBefore = new Map<string, number>();
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #pending = new Map<string, Pending>();
  #counter = 0;
  /** Requests sent, for status and tests. */
  sent = 0;

  constructor(send: (request: MemberRequest) => void, intervalMs = 30_000, now: () => number = Date.now) {
    this.#send = send;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Asks for every member of the guild, now or as soon as the limits allow. */
  request(guildId: string): void {
    clearTimeout(this.#timers.get(guildId));
    this.#pending.delete(guildId);
    const at = Math.max(this.#now(), (this.#lastAt.get(guildId) ?? -Infinity) + this.#intervalMs, this.#notBefore.get(guildId) ?? 0);
    const wait = at - this.#now();
    if (wait <= 0) return this.#fire(guildId);
    this.#timers.set(guildId, setTimeout(() => this.#fire(guildId), wait));
  }

  /** A request for the guild is waiting for the limits or its chunks are still coming. */
  active(guildId: string): boolean {
    return this.#timers.has(guildId) || this.#pending.has(guildId);
  }

  /**
   * Discord refused a request: try again after `retryAfterSeconds`, taken as
   * at most `MAX_RETRY_AFTER_S` (Discord's are seconds; a timer past 2^31 ms
   * would fire at once on every runtime, and asking again would be refused again, in a loop).
   */
  rateLimited(guildId: string, retryAfterSeconds: number): void {
    const seconds = Math.min(retryAfterSeconds, MAX_RETRY_AFTER_S);
    this.#notBefore.set(guildId, this.#now() + Math.ceil(seconds * 1000));
    this.request(guildId);
  }

  /**
   * Records a chunk; returns "done" when it completes the guild's current
   * request, "stale" when it answers no request of ours, else "more".
   */
  chunk(guildId: string, nonce: string | undefined, index: number, count: number): "done" | "more" | "stale" {
    const pending = this.#pending.get(guildId);
    if (!pending || pending.nonce !== nonce) return "stale";
    pending.seen.add(index);
    if (pending.seen.size < count) return "more";
    this.#pending.delete(guildId);
    return "done";
  }

  /** Forgets requests in flight and waiting (a session ended); the limits stay. */
  reset(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#pending.clear();
  }

  forget(guildId: string): void {
    clearTimeout(this.#timers.get(guildId));
    this.#timers.delete(guildId);
    this.#pending.delete(guildId);
  }

  #fire(guildId: string): void {
    this.#timers.delete(guildId);
    const nonce = `${(++this.#counter).toString(36)}-${guildId}`.slice(0, 32);
    this.#pending.set(guildId, { nonce, seen: new Set() });
    this.#lastAt.set(guildId, this.#now());
    this.sent++;
    this.#send({ guild_id: guildId, query: "", limit: 0, presences: true, nonce });
  }
}
