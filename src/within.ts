/** Waits for `settled`, but no longer than `ms`; never rejects. The timer is cleared either way. */
export function within(settled: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([settled.then(() => {}, () => {}), timeout]).finally(() => clearTimeout(timer));
}

