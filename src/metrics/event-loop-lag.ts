/**
 * How late the event loop runs: a timer asks to be woken every `intervalMs`
 * and notes how much later than that it was. Works alike on every runtime
 * (`perf_hooks.monitorEventLoopDelay`, which prom-client's default metrics need, is missing on one of them).
 */
export class EventLoopLag {
  #timer: ReturnType<typeof setInterval>;
  /** The worst lag each reader has not taken yet: Prometheus and the operator page read apart, so one never empties the other's window. */
  #worst: number[] = [];

  constructor(intervalMs = 250) {
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      const late = now - last - intervalMs;
      for (let i = 0; i < this.#worst.length; i++) if (late > this.#worst[i]!) this.#worst[i] = late;
      last = now;
    }, intervalMs);
    // Never the reason a process stays alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** A reader of its own: each call of the function returned gives the worst lag since its previous call (or since now), in seconds. */
  reader(): () => number {
    const slot = this.#worst.push(0) - 1;
    return () => {
      const worst = this.#worst[slot]!;
      this.#worst[slot] = 0;
      return Math.max(0, worst) / 1000;
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
