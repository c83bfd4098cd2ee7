import { defineWebSocketHelper, type UpgradeWebSocket } from "hono/ws";
import { Backlog } from "../backlog.ts";
import { Heartbeat } from "../heartbeat.ts";
import { asksForWebSocket, badUpgrade } from "../upgrade-request.ts";
import type { SocketLimits, UpgradeOptions } from "../types.ts";
import { BunContext, type BunShared, type BunSocket } from "./socket.ts";

/**
 * Bun's half of hono's WebSocket helper, with what watches the sockets
 * (`Backlog` for slow readers, `Heartbeat` for dead peers). runtime.ts loads
 * it at the first upgrade: none of it is needed to bind the port and answer
 * plain requests, and a command that starts cold answers sooner without it.
 */
export function bunUpgrade(
  shared: BunShared,
  limits: SocketLimits,
  upgrade: (request: Request, data: BunContext) => boolean,
): UpgradeWebSocket<BunSocket, UpgradeOptions> {
  shared.backlog = new Backlog({
    bound: limits.maxBufferedBytes,
    measure: (socket) => (socket.raw as BunSocket).getBufferedAmount(),
    evict: (socket) => (socket as BunContext).evict(),
  });
  shared.heartbeat = new Heartbeat<BunContext>({
    timeoutSeconds: limits.idleTimeoutSeconds,
    ping: (socket) => socket.raw?.ping(),
    drop: (socket) => socket.raw?.terminate(),
  });
  return defineWebSocketHelper<BunSocket, UpgradeOptions>((c, events, options) => {
    if (!asksForWebSocket(c)) return;
    // The socket's whole state is one object, Bun's `ws.data`, which is also the core's WSContext.
    if (upgrade(c.req.raw, new BunContext(events, options?.maxFrameBytes, shared))) return new Response(null);
    return badUpgrade();
  });
}
