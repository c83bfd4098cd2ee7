/**
 * A reason the build cannot go on, said in one line for the person running
 * build.ts (what went wrong and what to do instead); never a stack trace.
 */
export class BuildError extends Error {
  override name = "BuildError";
  constructor(message: string) {
    super(oneLine(message));
  }
}

/** Squeezes a message (often an error from a library, with causes) onto one line. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim();

/** The message of anything thrown, with its cause when there is one (fetch hides the reason there). */
export function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return oneLine(error.message + cause);
}
