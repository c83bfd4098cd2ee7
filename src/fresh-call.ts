/**
 * A function that runs `run` for its callers at most once at a time, each
 * caller getting the outcome of a run that started after it called: a call
 * while a run is under way waits for the next run, which starts when that one
 * ends and is shared by everyone who called meanwhile. So a crowd asking at
 * once costs two runs, not a run each, and nobody gets an answer older than
 * its question.
 */
export function freshCall(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => running = run().finally(() => running = undefined);
  return () => {
    if (!running) return start();
    return next ??= running.then(settled, settled).then(() => {
      next = undefined;
      return start();
    });
  };
}

const settled = () => {};
