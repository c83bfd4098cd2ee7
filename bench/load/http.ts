/**
 * A keep-alive HTTP/1.1 load process: `connections` TCP connections, each
 * sending `GET path` again as soon as the previous response has fully
 * arrived. Bodies are counted, never decoded; `Content-Length` and chunked
 * responses are both followed. Runs `warm` seconds unmeasured, then `seconds`.
 *
 * Commands: `go`, `exit`. Reports: `done`.
 */
import process from "node:process";
import { emit, onCommand, settings } from "./ipc.ts";
import { ResponseReader } from "./http-reader.ts";
import { connectTcp, type TcpSocket } from "./tcp.ts";

export interface HttpConfig {
  host: string;
  port: number;
  path: string;
  connections: number;
  warm: number;
  seconds: number;
}

const c = settings<HttpConfig>();
const request = `GET ${c.path} HTTP/1.1\r\nHost: ${c.host}:${c.port}\r\n\r\n`;
let measuring = false, stopping = false;
let requests = 0, bytes = 0, errors = 0, closed = 0;
const statuses: Record<number, number> = {};
const sockets: TcpSocket[] = [];

function connect(): Promise<TcpSocket> {
  const reader = new ResponseReader();
  return connectTcp(c.host, c.port, {
    open: (socket) => void socket.write(request),
    data(socket, chunk) {
      for (const response of reader.feed(chunk)) {
        if (measuring) {
          requests++;
          bytes += response.bodyBytes;
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        }
        if (!stopping) socket.write(request);
      }
    },
    close: () => void closed++,
    error: () => void errors++,
  });
}

onCommand(async ({ cmd }) => {
  if (cmd === "go") {
    for (let i = 0; i < c.connections; i++) sockets.push(await connect());
    setTimeout(() => {
      measuring = true;
      const start = performance.now();
      setTimeout(() => {
        measuring = false;
        stopping = true;
        const seconds = (performance.now() - start) / 1000;
        emit({ type: "done", requests, bytes, seconds, errors, closed, statuses });
      }, c.seconds * 1000);
    }, c.warm * 1000);
  } else if (cmd === "exit") {
    for (const s of sockets) s.end();
    process.exit(0);
  }
});
emit({ type: "spawned" });
