import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext, WSContext as Socket } from "hono/ws";
import type { Peer } from "../hub.ts";
import { Close } from "../limits.ts";
import { Backlog } from "./backlog.ts";
import { tooLarge } from "./frame-size.ts";
import { AddressInUseError, ListenError, type ListenOptions, type Runtime, type SocketLimits, type UpgradeOptions } from "./types.ts";
import { within } from "../within.ts";

const raw = (socket: WSContext) => socket.raw as WebSocket;

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
    listen({ port, hostname, fetch, sockets }: ListenOptions) {
      let server: Deno.HttpServer<Deno.NetAddr>;
      try {
        server = Deno.serve({ port, hostname, onListen() {} }, (request, info) => fetch(request, info));
      } catch (error) {
        if (error instanceof Deno.errors.AddrInUse) throw new AddressInUseError(hostname, port);
        if (error instanceof Deno.errors.AddrNotAvailable) throw new ListenError(hostname, port, "not-local", error.message);
        // A name that does not resolve, or an address the system refuses (EINVAL).
        const message = String((error as Error).message);
        if (/lookup address|os error 22/.test(message)) throw new ListenError(hostname, port, "unusable", message);
        throw error;
      }
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
