import type { Context } from "hono";
import { defineWebSocketHelper, type WSContext, WSContext as Socket } from "hono/ws";
import type { Peer } from "../hub.ts";
import { AddressInUseError, type ListenOptions, type Runtime } from "./types.ts";

const raw = (socket: WSContext) => socket.raw as WebSocket;

/** Deno: `Deno.serve`, a send loop for fan-out, `Deno.open` for static files. */
export function createDenoRuntime(): Runtime {
  const upgradeWebSocket = defineWebSocketHelper<WebSocket>((c, events) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(c.req.raw);
    } catch {
      return new Response("400 Bad Request: not a valid WebSocket upgrade\n", { status: 400 });
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";
    const context = new Socket<WebSocket>({
      raw: socket,
      send: (data) => socket.send(data),
      close: (code, reason) => socket.close(code, reason),
      get readyState() {
        return socket.readyState as 0 | 1 | 2 | 3;
      },
    });
    socket.onopen = (event) => events.onOpen?.(event, context);
    socket.onmessage = (event) => events.onMessage?.(event, context);
    socket.onclose = (event) => events.onClose?.(event, context);
    socket.onerror = (event) => events.onError?.(event, context);
    return response;
  });

  return {
    name: "deno",
    upgradeWebSocket,
    listen({ port, hostname, fetch }: ListenOptions) {
      let server: Deno.HttpServer<Deno.NetAddr>;
      try {
        server = Deno.serve({ port, hostname, onListen() {} }, (request, info) => fetch(request, info));
      } catch (error) {
        if (error instanceof Deno.errors.AddrInUse) throw new AddressInUseError(hostname, port);
        throw error;
      }
      return Promise.resolve({ port: server.addr.port, hostname: server.addr.hostname, close: () => server.shutdown() });
    },
    remoteAddress: (c: Context) => (c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr.hostname ?? "unknown",
    openFile: async (path) => (await Deno.open(path)).readable,
    bufferedAmount: (socket) => raw(socket).bufferedAmount,
    subscribe() {},
    unsubscribe() {},
    publish(_topic: string, frame: string, peers: ReadonlySet<Peer>) {
      for (const peer of peers) {
        const socket = raw(peer.socket);
        if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      }
    },
  };
}
