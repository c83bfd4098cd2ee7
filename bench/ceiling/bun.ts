/**
 * The ceiling on Bun: the least server that does d-back's job with Bun's
 * own tools. `Bun.serve`, native topic publish, the join frame prebuilt, no
 * validation, static files read whole per request. d-back on Bun is
 * measured against it.
 *
 *   bun bench/ceiling/bun.ts --port 0 --static-dir DIR
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { ceilingArgs, connectTo, events, putGuild, serverList, staticFile, unknownServer } from "./guilds.ts";

interface Ws {
  data: { ingest: boolean; room?: string };
  send(data: string): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}
interface BunServer {
  port: number;
  upgrade(request: Request, options: { data: Ws["data"] }): boolean;
  publish(topic: string, data: string): number;
}
declare const Bun: {
  serve(options: Record<string, unknown>): BunServer;
};

const { port, staticDir } = ceilingArgs(process.argv.slice(2));
const decoder = new TextDecoder();

const server = Bun.serve({
  port,
  hostname: "127.0.0.1",
  async fetch(request: Request, server: BunServer) {
    const url = new URL(request.url);
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      if (server.upgrade(request, { data: { ingest: url.pathname === "/api/ingest" } })) return undefined;
      return new Response("bad upgrade", { status: 400 });
    }
    if (url.pathname.startsWith("/api/ingest/servers/") && request.method === "PUT") {
      putGuild(url.pathname.slice("/api/ingest/servers/".length), await request.text());
      return new Response('{"ok":true}', { status: 201 });
    }
    if (url.pathname === "/api/ingest/events" && request.method === "POST") {
      for (const [guild, frame] of events(await request.text())) server.publish(guild, frame);
      return new Response('{"ok":true}');
    }
    if (url.pathname === "/api/version") return new Response('{"version":"ceiling"}');
    const found = staticFile(staticDir, url.pathname);
    if (!found) return new Response("bad path", { status: 400 });
    // Read whole: for files of a d-zone build's sizes this beats Bun.file's streaming (measured with wrk).
    try {
      return new Response(readFileSync(found.file), { headers: { "Content-Type": found.type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  },
  websocket: {
    open(ws: Ws) {
      if (!ws.data.ingest) ws.send(serverList());
    },
    message(ws: Ws, message: string | Uint8Array) {
      const text = typeof message === "string" ? message : decoder.decode(message);
      if (ws.data.ingest) {
        for (const [guild, frame] of events(text)) server.publish(guild, frame);
        return;
      }
      const guild = connectTo(text);
      if (!guild) {
        ws.send(unknownServer);
        return;
      }
      if (ws.data.room) ws.unsubscribe(ws.data.room);
      ws.send(guild.join);
      ws.subscribe(ws.data.room = guild.guildId);
    },
  },
});

console.error(`ceiling (bun) listening url=http://127.0.0.1:${server.port}`);
process.on("SIGTERM", () => process.exit(0));
