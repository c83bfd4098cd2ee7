/**
 * Turns the `server` of a `connect` into the id to look up. d-zone sends
 * `null` (or nothing) on a first visit, so those mean the default server.
 */
export function normalizeServer(server: string | number | null | undefined): string {
  if (server === null || server === undefined) return "default";
  const text = String(server).trim();
  return text === "" ? "default" : text;
}
