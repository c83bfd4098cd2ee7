import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext } from "hono/ws";
import type { Peer } from "../../hub.ts";
import { Close } from "../../limits.ts";
import { Backlog } from "../backlog.ts";
import { BunContext, type BunShared, type BunSocket } from "./socket.ts";
import { Heartbeat } from "../heartbeat.ts";
import { tooLarge } from "../frame-size.ts";
import { asksForWebSocket, badUpgrade } from "../upgrade-request.ts";
import { AddressInUseError, type HttpListenOptions, type Listening, ListenError, type ListenOptions, type Runtime, type UpgradeOptions } from "../types.ts";
import { within } from "../../within.ts";

// The few pieces of Bun's server API used here, declared locally so the code type-checks anywhere.
interface BunServer {
  readonly port: number;
  readonly hostname: string;
  upgrade(request: Request, options: { data: BunContext }): boolean;
  /** Bytes sent; -1 when some subscriber is backed up; 0 when dropped. */
  publish(topic: string, data: string): number;
  requestIP(request: Request): { address: string } | null;
  /** Sets the idle timeout of the request's connection, in seconds (0: none). */
  timeout(request: Request, seconds: number): void;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
declare const Bun: {
  serve(options: Record<string, unknown>): BunServer;
  file(path: string): Blob;
};

const raw = (socket: WSContext) => socket.raw as BunSocket;
const context = (socket: WSContext) => socket as BunContext;

/** `Bun.serve`, with a taken port reported as `AddressInUseError` and an address it cannot use as `ListenError`. */
function serve(options: Record<string, unknown> & { port: number; hostname: string }): BunServer {
  const { hostname, port } = options;
  try {
    return Bun.serve(options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") throw new AddressInUseError(hostname, port);
    if (code === "EADDRNOTAVAIL") throw new ListenError(hostname, port, "not-local", String((error as Error).message));
    if (code === "EINVAL" || code === "ENOTFOUND") throw new ListenError(hostname, port, "unusable", String((error as Error).message));
    throw error;
  }
}

/** A bound server as `Listening`: `close` runs `first`, waits up to the grace for requests under way, then cuts what is left. */
function listening(s: BunServer, first = () => {}): Promise<Listening> {
  return Promise.resolve({
    port: s.port,
    hostname: s.hostname,
    close: async (graceMs = 0) => {
      first();
      await within(s.stop(false), graceMs);
      await s.stop(true);
    },
  });
}

/** Bun's own hard stop for a backed-up socket, behind `Backlog`: it closes without a close frame (1006). */
const backstop = (bound: number) => Math.max(16 * 1024 * 1024, 4 * bound);

/**
 * Bun: one `Bun.serve`, native topics for fan-out, `Bun.file` for static files.
 * Bun enforces the server-wide frame size itself (`maxPayloadLength`,
 * answered with 1009); a lower per-socket limit is checked here. Liveness
 * is our `Heartbeat` alone: Bun's own `idleTimeout` restarts whenever the
 * server sends, so a dead peer in a busy guild would never time out, and
 * running both would only ping twice. Slow readers are found by `Backlog`,
 * prompted by `publish` reporting backpressure.
 */
export function createBunRuntime(): Runtime {
  let server: BunServer | undefined;
  let headerTimeoutSeconds = 0;
  const shared: BunShared = {};
  let heartbeat: Heartbeat<BunContext> | undefined;

  const upgradeWebSocket = defineWebSocketHelper<BunSocket, UpgradeOptions>((c, events, options) => {
    if (!asksForWebSocket(c)) return;
    // The socket's whole state is one object, Bun's `ws.data`, which is also the core's WSContext.
    if (server?.upgrade(c.req.raw, { data: new BunContext(events, options?.maxFrameBytes, shared) })) {
      return new Response(null);
    }
    return badUpgrade();
  });

  const websocket = {
    open(ws: BunSocket) {
      // `ws.data` was made at the upgrade; Bun's socket exists from now on.
      ws.data.raw = ws;
      heartbeat?.heard(ws.data);
      ws.data.events.onOpen?.(new Event("open"), ws.data);
    },
    pong(ws: BunSocket) {
      heartbeat?.heard(ws.data);
    },
    message(ws: BunSocket, message: string | Uint8Array) {
      heartbeat?.heard(ws.data);
      const max = ws.data.maxFrameBytes;
      if (max !== undefined && tooLarge(message, max)) return ws.close(Close.tooBig.code, Close.tooBig.reason);
      // hono's message type wants an ArrayBuffer for binary frames: copy out exactly this frame.
      const data = typeof message === "string"
        ? message
        : message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength);
      ws.data.events.onMessage?.(new MessageEvent("message", { data }), ws.data);
    },
    close(ws: BunSocket, code: number, reason: string) {
      heartbeat?.forget(ws.data);
      // Bun is done with the connection: the place it held is given back before the core hears of the close.
      ws.data.gone();
      ws.data.events.onClose?.(new CloseEvent("close", { code, reason }), ws.data);
    },
  };

  const requestAddress = (request: Request) => server?.requestIP(request)?.address ?? "unknown";

  return {
    name: "bun",
    upgradeWebSocket,
    listen({ port, hostname, fetch, sockets, tls }: ListenOptions) {
      const bound = sockets.maxBufferedBytes;
      headerTimeoutSeconds = sockets.headerTimeoutSeconds;
      server = serve({
        port,
        hostname,
        fetch,
        ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
        // Bun's own timer for plain HTTP connections: no whole request (or idle between requests) for this long closes it.
        idleTimeout: sockets.headerTimeoutSeconds,
        websocket: {
          ...websocket,
          maxPayloadLength: sockets.maxFrameBytes,
          idleTimeout: 0,
          sendPings: false,
          backpressureLimit: backstop(bound),
          closeOnBackpressureLimit: true,
        },
      });
      const b = shared.backlog = new Backlog({
        bound,
        measure: (socket) => raw(socket).getBufferedAmount(),
        evict: (socket) => context(socket).evict(),
      });
      const h = heartbeat = new Heartbeat<BunContext>({
        timeoutSeconds: sockets.idleTimeoutSeconds,
        ping: (socket) => socket.raw?.ping(),
        drop: (socket) => socket.raw?.terminate(),
      });
      return listening(server, () => {
        b.close();
        h.close();
      });
    },
    listenHttp: ({ port, hostname, fetch }: HttpListenOptions) => listening(serve({ port, hostname, fetch })),
    remoteAddress: (c: Context) => requestAddress(c.req.raw),
    requestAddress,
    waitLonger(request: Request) {
      // Bun's idle timer counts a request waiting for its answer as idle, and closes the connection unanswered.
      server?.timeout(request, 0);
      return () => server?.timeout(request, headerTimeoutSeconds);
    },
    openFile: (path) => Promise.resolve(Bun.file(path)),
    holdUntilGone: (socket, held) => context(socket).hold(held),
    subscribe: (socket, topic) => raw(socket).subscribe(topic),
    unsubscribe: (socket, topic) => raw(socket).unsubscribe(topic),
    publish(topic: string, frame: string, peers: Iterable<Peer>) {
      if (server && server.publish(topic, frame) <= 0) shared.backlog?.suspectRoom(peers);
    },
  };
}
