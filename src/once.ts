/**
 * A function that runs `make` at its first call and hands every caller the
 * same promise after that: for code loaded when first needed rather than at
 * start-up (a rejected load is tried again at the next call).
 */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    made ??= make().catch((error) => {
      made = undefined;
      throw error;
    });
}
