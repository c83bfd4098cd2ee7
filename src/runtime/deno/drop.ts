/**
 * Drops a server WebSocket's connection on Deno without waiting for the
 * peer to answer the close.
 *
 * Deno's `WebSocket.close()` sends the close frame and then waits for the
 * peer's answer for ever: its idle timeout only runs while the socket is
 * open, and the public API has no `terminate()`. A peer that never answers
 * would hold its connection (and a file descriptor) until it goes away by
 * itself. The only handle Deno offers is internal: the socket's resource id
 * (`[[rid]]`) and `core.tryClose`, reached through `Deno[Deno.internal]`.
 * Closing the resource ends the TCP connection and makes Deno fire the
 * socket's `close` event. Both are looked up once, by name; if a Deno
 * version lacks them, `dropConnection` says so by returning false and the
 * socket waits for its peer as before (README, Limits).
 */

interface Internals {
  core?: { tryClose?: (rid: number) => void };
}

let tryClose: ((rid: number) => void) | null | undefined;
let ridKey: symbol | null | undefined;

function lookUp(socket: WebSocket): boolean {
  if (tryClose === undefined) {
    const deno = Deno as unknown as Record<symbol, Internals | undefined> & { internal?: symbol };
    const internals = deno.internal ? deno[deno.internal] : undefined;
    tryClose = typeof internals?.core?.tryClose === "function" ? internals.core.tryClose : null;
  }
  if (ridKey === undefined) {
    ridKey = Object.getOwnPropertySymbols(socket).find((s) => s.description === "[[rid]]") ?? null;
  }
  return tryClose !== null && ridKey !== null;
}

/** Ends the socket's connection now; false when this Deno gives no way to. */
export function dropConnection(socket: WebSocket): boolean {
  if (socket.readyState === WebSocket.CLOSED) return true;
  if (!lookUp(socket)) return false;
  const rid = (socket as unknown as Record<symbol, unknown>)[ridKey!];
  if (typeof rid !== "number") return false;
  tryClose!(rid);
  return true;
}
