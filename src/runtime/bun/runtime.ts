import type { MiddlewareHandler } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import type { Peer } from "../../hub.ts";
import type { BunContext, BunShared, BunSocket } from "./socket.ts";
import {
  AddressInUseError,
  type HttpListenOptions,
  type Listening,
  ListenError,
  type ListenOptions,
  type Runtime,
  type SocketLimits,
  type Upgrade,
  type UpgradeOptions,
} from "../types.ts";
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

/** Bun's handlers for every WebSocket, each passed on to the socket's own object (`ws.data`, made at its upgrade). */
const handlers = {
  open: (ws: BunSocket) => ws.data.opened(ws),
  pong: (ws: BunSocket) => ws.data.heard(),
  message: (ws: BunSocket, message: string | Uint8Array) => ws.data.received(message),
  close: (ws: BunSocket, code: number, reason: string) => ws.data.closed(code, reason),
};

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
  let limits: SocketLimits | undefined;
  const shared: BunShared = {};

  // What upgrading needs is loaded at the first upgrade (websocket.ts); every upgrade after it waits for nothing.
  let helper: Promise<UpgradeWebSocket<BunSocket, UpgradeOptions>> | undefined;
  const loadHelper = () =>
    helper ??= import("./websocket.ts").then(({ bunUpgrade }) => {
      if (!server || !limits) throw new Error("d-back: a WebSocket upgrade before the server listens");
      const s = server;
      return bunUpgrade(shared, limits, (request, data) => s.upgrade(request, { data }));
    });
  const upgradeWebSocket: Upgrade = (createEvents, options) => {
    let middleware: MiddlewareHandler | undefined;
    return async (c, next) => (middleware ??= (await loadHelper())(createEvents, options))(c, next);
  };

  const requestAddress = (request: Request) => server?.requestIP(request)?.address ?? "unknown";

  return {
    name: "bun",
    upgradeWebSocket,
    listen({ port, hostname, fetch, sockets, tls }: ListenOptions) {
      server = serve({
        port,
        hostname,
        fetch,
        ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
        // Bun's own timer for plain HTTP connections: no whole request (or idle between requests) for this long closes it.
        idleTimeout: sockets.headerTimeoutSeconds,
        websocket: {
          ...handlers,
          maxPayloadLength: sockets.maxFrameBytes,
          idleTimeout: 0,
          sendPings: false,
          backpressureLimit: backstop(sockets.maxBufferedBytes),
          closeOnBackpressureLimit: true,
        },
      });
      limits = sockets;
      return listening(server, () => {
        shared.backlog?.close();
        shared.heartbeat?.close();
      });
    },
    listenHttp: ({ port, hostname, fetch }: HttpListenOptions) => listening(serve({ port, hostname, fetch })),
    requestAddress,
    waitLonger(request: Request) {
      // Bun's idle timer counts a request waiting for its answer as idle, and closes the connection unanswered.
      server?.timeout(request, 0);
      return () => server?.timeout(request, limits!.headerTimeoutSeconds);
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
