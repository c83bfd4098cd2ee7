import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext, WSContext as Socket } from "hono/ws";
import type { Peer } from "../hub.ts";
import { Close } from "../limits.ts";
import { Backlog } from "./backlog.ts";
import { tooLarge } from "./frame-size.ts";
import {
  AddressInUseError,
  type HttpListenOptions,
  type ListenOptions,
  type Runtime,
  type SocketLimits,
  type UpgradeOptions,
} from "./types.ts";
import { within } from "../within.ts";

const raw = (socket: WSContext) => socket.raw as WebSocket;

/**
 * `Deno.serve`, with a taken port reported as `AddressInUseError`. With a
 * certificate it speaks HTTPS, and HTTP/2 to clients that offer it.
 */
function serve({ port, hostname, fetch, tls }: HttpListenOptions & Pick<ListenOptions, "tls">): Deno.HttpServer<Deno.NetAddr> {
  try {
    const options = { port, hostname, onListen() {} };
    const handler = (request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) => fetch(request, info);
    return tls ? Deno.serve({ ...options, cert: tls.cert, key: tls.key }, handler) : Deno.serve(options, handler);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) throw new AddressInUseError(hostname, port);
    throw error;
  }
}

/**
 * Deno: `Deno.serve`, a send loop for fan-out, `Deno.open` for static files.
 * Deno pings by itself (`idleTimeout`); the frame size is checked here, since
 * Deno has no setting for it; slow readers are found by `Backlog` from
 * `bufferedAmount` after each send.
 */
export function createDenoRuntime(): Runtime {
  let limits: SocketLimits | undefined;
  let backlog: Backlog | undefined;
  /** Closes a socket on the adapter's own initiative and tells the core at once. */
  const ending = new WeakMap<WSContext, (code: number, reason: string) => void>();

  const upgradeWebSocket = defineWebSocketHelper<WebSocket, UpgradeOptions>((c, events, options) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: limits?.idleTimeoutSeconds });
    } catch {
      return new Response("400 Bad Request: not a valid WebSocket upgrade\n", { status: 400 });
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";
    const maxFrameBytes = Math.min(options?.maxFrameBytes ?? Infinity, limits?.maxFrameBytes ?? Infinity);
    const context: WSContext<WebSocket> = new Socket<WebSocket>({
      raw: socket,
      send: (data) => {
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(data);
        backlog?.sent(context, data, socket.bufferedAmount);
      },
      close: (code, reason) => socket.close(code, reason),
      get readyState() {
        return socket.readyState as 0 | 1 | 2 | 3;
      },
    });
    // Deno reports the close only once the peer answers it, which a stuck peer never does;
    // when the adapter closes a socket, the core hears of it right away, and only once.
    let closed = false;
    const closing = (event: CloseEvent) => {
      if (closed) return;
      closed = true;
      events.onClose?.(event, context);
    };
    ending.set(context, (code, reason) => {
      socket.close(code, reason);
      closing(new CloseEvent("close", { code, reason }));
    });
    socket.onopen = (event) => events.onOpen?.(event, context);
    socket.onmessage = (event) => {
      if (closed) return;
      if (tooLarge(event.data, maxFrameBytes)) return ending.get(context)!(Close.tooBig.code, Close.tooBig.reason);
      events.onMessage?.(event, context);
    };
    socket.onclose = closing;
    socket.onerror = (event) => events.onError?.(event, context);
    return response;
  });

  return {
    name: "deno",
    upgradeWebSocket,
    listen(options: ListenOptions) {
      const { sockets } = options;
      const server = serve(options);
      limits = sockets;
      const b = backlog = new Backlog({
        bound: sockets.maxBufferedBytes,
        measure: (socket) => raw(socket).bufferedAmount,
        evict: (socket) => ending.get(socket)?.(Close.tryAgainLater.code, Close.tryAgainLater.reason),
      });
      return Promise.resolve({
        port: server.addr.port,
        hostname: server.addr.hostname,
        // Deno cannot force a shutdown once it has begun; past the grace, whatever is left is left to the process exit.
        close: async (graceMs = 0) => {
          b.close();
          await within(server.shutdown(), graceMs);
        },
      });
    },
    listenHttp(options: HttpListenOptions) {
      const server = serve(options);
      return Promise.resolve({
        port: server.addr.port,
        hostname: server.addr.hostname,
        close: (graceMs = 0) => within(server.shutdown(), graceMs),
      });
    },
    remoteAddress: (c: Context) => (c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr.hostname ?? "unknown",
    openFile: async (path) => (await Deno.open(path)).readable,
    bufferedAmount: (socket) => raw(socket).bufferedAmount,
    subscribe() {},
    unsubscribe() {},
    publish(_topic: string, frame: string, peers: ReadonlySet<Peer>) {
      // Through each peer, so a failing send is contained to its viewer and the backlog is watched.
      for (const peer of peers) peer.send(frame);
    },
  };
}
