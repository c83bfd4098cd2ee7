/** One clock for every viewer's bucket, not a function made per viewer. */
const monotonic = () => performance.now();

/** What to do with one inbound frame. */
export type Verdict = "answer" | "refuse" | "close";

/**
 * A token bucket for one connection's inbound frames: `burst` frames at once,
 * then `perSecond` on average. A frame that finds the bucket empty is refused
 * (answered with an error, not acted on) and still drawn from it, so a client
 * that slows down is served again within a second or two, while one that keeps
 * sending past the rate digs a debt; when the debt reaches another `burst`,
 * it is closed.
 */
export class RateLimit {
  #perSecond: number;
  #burst: number;
  #tokens: number;
  #at: number;
  #now: () => number;

  constructor(perSecond: number, burst: number, now: () => number = monotonic) {
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#now = now;
    this.#at = now();
  }

  /** Accounts for one frame arriving now. */
  take(): Verdict {
    if (this.#perSecond <= 0) return "answer";
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#perSecond);
    this.#at = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return "answer";
    return this.#tokens <= -this.#burst ? "close" : "refuse";
  }
}
