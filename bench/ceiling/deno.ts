/**
 * The ceiling on Deno: the least server that does d-back's job with Deno's
 * own tools. `Deno.serve`, `Deno.upgradeWebSocket`, a plain send loop per
 * event, the join frame prebuilt, no validation, static files read whole
 * per request. d-back on Deno is measured against it.
 *
 *   deno run -A bench/ceiling/deno.ts --port 0 --static-dir DIR
 */
import { ceilingArgs, connectTo, events, putGuild, serverList, staticFile, unknownServer } from "./guilds.ts";

const { port, staticDir } = ceilingArgs(Deno.args);
const rooms = new Map<string, Set<WebSocket>>();

function publish(guild: string, frame: string): void {
  const room = rooms.get(guild);
  if (room) for (const socket of room) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
}

function viewer(socket: WebSocket): void {
  let room: Set<WebSocket> | undefined;
  socket.onopen = () => socket.send(serverList());
  socket.onmessage = (event) => {
    const guild = connectTo(String(event.data));
    if (!guild) return socket.send(unknownServer);
    room?.delete(socket);
    socket.send(guild.join);
    room = rooms.get(guild.guildId);
    if (!room) rooms.set(guild.guildId, room = new Set());
    room.add(socket);
  };
  socket.onclose = () => room?.delete(socket);
}

function producer(socket: WebSocket): void {
  socket.onmessage = (event) => {
    for (const [guild, frame] of events(String(event.data))) publish(guild, frame);
  };
}

const server = Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, async (request) => {
  const url = new URL(request.url);
  if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
    const { socket, response } = Deno.upgradeWebSocket(request);
    if (url.pathname === "/api/ingest") producer(socket);
    else viewer(socket);
    return response;
  }
  if (url.pathname.startsWith("/api/ingest/servers/") && request.method === "PUT") {
    putGuild(url.pathname.slice("/api/ingest/servers/".length), await request.text());
    return new Response('{"ok":true}', { status: 201 });
  }
  if (url.pathname === "/api/ingest/events" && request.method === "POST") {
    for (const [guild, frame] of events(await request.text())) publish(guild, frame);
    return new Response('{"ok":true}');
  }
  if (url.pathname === "/api/version") return new Response('{"version":"ceiling"}');
  const found = staticFile(staticDir, url.pathname);
  if (!found) return new Response("bad path", { status: 400 });
  // Read whole: for files of a d-zone build's sizes this beats streaming Deno.open's readable (measured with wrk).
  try {
    return new Response(Deno.readFileSync(found.file), { headers: { "Content-Type": found.type } });
  } catch {
    return new Response("not found", { status: 404 });
  }
});

console.error(`ceiling (deno) listening url=http://127.0.0.1:${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
