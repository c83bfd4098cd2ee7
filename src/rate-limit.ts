/** One clock for every viewer's bucket, not a function made per viewer. */
const monotonic = () => performance.now();

/** What to do with one inbound frame. */
export type Verdict = "answer" | "refuse" | "close";

/**
 * One connection's bucket: two numbers kept on the connection itself (the
 * viewer), so an idle viewer costs no object of its own here.
 */
export interface Bucket {
  /** Frames it may still send at once; below 0, its debt. */
  rateTokens: number;
  /** When `rateTokens` was last brought up to date. */
  rateAt: number;
}

/**
 * A token bucket policy for connections' inbound frames: `burst` frames at
 * once, then `perSecond` on average. A frame that finds the bucket empty is
 * refused (answered with an error, not acted on) and still drawn from it, so
 * a client that slows down is served again within a second or two, while one
 * that keeps sending past the rate digs a debt; when the debt reaches another
 * `burst`, it is closed. One per server; each connection holds its `Bucket`.
 */
export class RateLimit {
  #perSecond: number;
  #burst: number;
  #now: () => number;

  constructor(perSecond: number, burst: number, now: () => number = monotonic) {
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#now = now;
  }

  /** Fills `bucket` in place (a new connection's). */
  fill(bucket: Bucket): void {
    bucket.rateTokens = this.#burst;
    bucket.rateAt = this.#now();
  }

  /** Accounts for one frame arriving now on the connection that holds `bucket`. */
  take(bucket: Bucket): Verdict {
    if (this.#perSecond <= 0) return "answer";
    const now = this.#now();
    bucket.rateTokens = Math.min(this.#burst, bucket.rateTokens + ((now - bucket.rateAt) / 1000) * this.#perSecond);
    bucket.rateAt = now;
    bucket.rateTokens -= 1;
    if (bucket.rateTokens >= 0) return "answer";
    return bucket.rateTokens <= -this.#burst ? "close" : "refuse";
  }
}
