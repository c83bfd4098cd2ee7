import { defineWebSocketHelper, type WSContext } from "hono/ws";
import type { Peer } from "../../hub.ts";
import { Close } from "../../limits.ts";
import { Backlog } from "../backlog.ts";
import { tooLarge } from "../frame-size.ts";
import { asksForWebSocket, badUpgrade } from "../upgrade-request.ts";
import { DenoSocket, type DenoSockets } from "./socket.ts";
import { dropConnection } from "./drop.ts";
import { type ResilientServer, serveResilient } from "./serve.ts";
import {
  CLOSE_GRACE_MS,
  type HttpListenOptions,
  type Listening,
  type ListenOptions,
  type Runtime,
  type SocketLimits,
  type UpgradeOptions,
} from "../types.ts";
import { within } from "../../within.ts";

const raw = (socket: WSContext) => socket.raw as WebSocket;

/**
 * A bound server as `Listening`: `close` runs `first`, then shuts down within
 * the grace. Deno cannot force a shutdown once it has begun; past the grace,
 * whatever is left is left to the process exit.
 */
function listening(server: ResilientServer, first = () => {}): Promise<Listening> {
  return Promise.resolve({
    port: server.addr.port,
    hostname: server.addr.hostname,
    close: async (graceMs = 0) => {
      first();
      await within(server.shutdown(), graceMs);
    },
  });
}

/** The peer's address from what `Deno.serve` hands the handler beside the request. */
const requestAddress = (_request: Request, info: unknown) =>
  (info as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr.hostname ?? "unknown";

/**
 * Deno: `Deno.serve` (kept listening through descriptor exhaustion by
 * `serveResilient`), a send loop for fan-out, `Deno.open` for static files.
 * Deno pings by itself (`idleTimeout`); the frame size is checked here, since
 * Deno has no setting for it; a frame that would take a socket past the
 * unsent-data bound is refused before it is queued, and slow readers are
 * found by `Backlog` from `bufferedAmount` once a socket may be near the
 * bound (`DenoSocket`). A socket d-back closed is dropped after
 * `CLOSE_GRACE_MS` if the peer never answers, and an upgrade whose socket
 * never opens (the peer reset it) is given up after the header timeout: Deno
 * fires neither open nor close for it.
 */
export function createDenoRuntime(): Runtime {
  let limits: SocketLimits | undefined;
  const shared: DenoSockets = { backlog: undefined };

  const upgradeWebSocket = defineWebSocketHelper<WebSocket, UpgradeOptions>((c, events, options) => {
    if (!asksForWebSocket(c)) return;
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: limits?.idleTimeoutSeconds });
    } catch {
      return badUpgrade();
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";
    const maxFrameBytes = Math.min(options?.maxFrameBytes ?? Infinity, limits?.maxFrameBytes ?? Infinity);
    let markGone!: () => void;
    const isGone = new Promise<void>((resolve) => markGone = resolve);
    // Closes with a handshake, and drops the connection if the peer has not answered in time.
    let dropping: ReturnType<typeof setTimeout> | undefined;
    const close = (code?: number, reason?: string) => {
      socket.close(code, reason);
      if (dropping) return;
      dropping = setTimeout(() => dropConnection(socket), CLOSE_GRACE_MS);
      isGone.then(() => clearTimeout(dropping));
    };
    // Deno reports the close only once the peer answers it, which a stuck peer never does;
    // when the adapter closes a socket, the core hears of it right away, and only once.
    let closed = false;
    const closing = (event: CloseEvent) => {
      if (closed) return;
      closed = true;
      events.onClose?.(event, context);
    };
    const end = (code: number, reason: string) => {
      close(code, reason);
      closing(new CloseEvent("close", { code, reason }));
    };
    const context = new DenoSocket(socket, shared, close, end, isGone);
    // A reset upgrade never opens, and Deno tells nobody: give it up after the header timeout.
    const opening = setTimeout(() => {
      if (socket.readyState !== WebSocket.CONNECTING) return;
      socket.close();
      closing(new CloseEvent("close", { code: 1006, reason: "never opened" }));
      markGone();
    }, (limits?.headerTimeoutSeconds ?? 10) * 1000);
    socket.onopen = (event) => {
      clearTimeout(opening);
      events.onOpen?.(event, context);
    };
    socket.onmessage = (event) => {
      if (closed) return;
      if (tooLarge(event.data, maxFrameBytes)) return end(Close.tooBig.code, Close.tooBig.reason);
      events.onMessage?.(event, context);
    };
    socket.onclose = (event) => {
      clearTimeout(opening);
      markGone();
      closing(event);
    };
    socket.onerror = (event) => events.onError?.(event, context);
    return response;
  });

  return {
    name: "deno",
    upgradeWebSocket,
    listen({ port, hostname, fetch, sockets, warn, tls }: ListenOptions) {
      const server = serveResilient({ port, hostname, warn, tls, handler: (request, info) => fetch(request, info) });
      limits = sockets;
      const b = shared.backlog = new Backlog({
        bound: sockets.maxBufferedBytes,
        measure: (socket) => raw(socket).bufferedAmount,
        evict: (socket) => (socket as DenoSocket).evict(),
      });
      return listening(server, () => b.close());
    },
    listenHttp: ({ port, hostname, fetch }: HttpListenOptions) =>
      listening(serveResilient({ port, hostname, handler: (request, info) => fetch(request, info) })),
    requestAddress,
    // Deno cuts no request that waits for its answer (it has no header timeout at all).
    waitLonger: () => () => {},
    openFile: async (path) => (await Deno.open(path)).readable,
    holdUntilGone: (socket, held) => void (socket as DenoSocket).gone.then(() => held.release()),
    subscribe() {},
    unsubscribe() {},
    publish(_topic: string, frame: string, peers: Iterable<Peer>) {
      // Through each peer, so a failing send is contained to its viewer and the backlog is watched.
      for (const peer of peers) peer.send(frame);
    },
  };
}
