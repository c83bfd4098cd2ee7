import type { Context } from "hono";

/** Whether a request asks to become a WebSocket (its `Upgrade` header, in any letter case). */
export function asksForWebSocket(c: Context): boolean {
  return c.req.header("upgrade")?.toLowerCase() === "websocket";
}

/** The answer to an upgrade request the runtime refuses (a bad key, version or method). */
export function badUpgrade(): Response {
  return new Response("400 Bad Request: not a valid WebSocket upgrade\n", { status: 400 });
}
