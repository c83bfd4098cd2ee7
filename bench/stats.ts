/**
 * Latency histograms that load clients in several processes can fill
 * cheaply and the runner can merge: buckets 1 % wide from 1 µs to minutes,
 * so a percentile is exact to about 1 % without keeping every sample.
 */

const GROWTH = Math.log(1.01);
const BUCKETS = 2400; // 1.01^2400 µs ≈ 23 000 s

export interface Histogram {
  /** Counts per bucket. */
  counts: number[];
  n: number;
  /** Exact largest sample, ms. */
  max: number;
  /** Sum of samples, ms. */
  sum: number;
}

export class Recorder {
  #counts = new Float64Array(BUCKETS);
  #n = 0;
  #max = 0;
  #sum = 0;

  /** Records one latency in ms (negative clock skew reads as zero). */
  add(ms: number): void {
    const v = ms > 0 ? ms : 0;
    const i = v * 1000 <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(v * 1000) / GROWTH));
    this.#counts[i]!++;
    this.#n++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
  }

  get n(): number {
    return this.#n;
  }

  toJSON(): Histogram {
    return { counts: Array.from(this.#counts), n: this.#n, max: this.#max, sum: this.#sum };
  }
}

/** Sums histograms from several clients. */
export function merge(parts: readonly Histogram[]): Histogram {
  const counts = new Array<number>(BUCKETS).fill(0);
  let n = 0, max = 0, sum = 0;
  for (const p of parts) {
    p.counts.forEach((c, i) => counts[i]! += c);
    n += p.n;
    sum += p.sum;
    max = Math.max(max, p.max);
  }
  return { counts, n, max, sum };
}

/** The q-quantile (0..1) in ms: the upper edge of the bucket it falls in, never above the max. */
export function quantile(h: Histogram, q: number): number {
  if (h.n === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * h.n));
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Math.min(h.max, i === 0 ? 0.001 : Math.exp(i * GROWTH) / 1000);
  }
  return h.max;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
