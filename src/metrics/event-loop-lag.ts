/**
 * How late the event loop runs: a timer asks to be woken every `intervalMs`
 * and notes how much later than that it was. Works alike on every runtime
 * (`perf_hooks.monitorEventLoopDelay`, which prom-client's default metrics need, is missing on one of them).
 */
export class EventLoopLag {
  #timer: ReturnType<typeof setInterval>;
  #worst = 0;

  constructor(intervalMs = 250) {
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#worst = Math.max(this.#worst, now - last - intervalMs);
      last = now;
    }, intervalMs);
    // Never the reason a process stays alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** The worst lag since the last call, in seconds; starts over. */
  take(): number {
    const worst = this.#worst;
    this.#worst = 0;
    return Math.max(0, worst) / 1000;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
