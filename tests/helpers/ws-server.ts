import { createServer, type Server, type Socket } from "node:net";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { encodeFrame, frameHead } from "./ws-frames.ts";

/**
 * A WebSocket server written on node:net, so it runs the same under Deno and
 * Bun and can do what a fake peer must: close with any code, or drop the TCP
 * connection without a close frame. Text frames only (Discord's JSON
 * encoding); messages from the client are unmasked and reassembled.
 */
export class WsServer {
  readonly port: number;
  #server: Server;
  #peers = new Set<WsPeer>();

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static start(onPeer: (peer: WsPeer, path: string) => void): Promise<WsServer> {
    let ws: WsServer;
    const server = createServer((tcp) => {
      tcp.on("error", () => {});
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        tcp.off("data", onData);
        const lines = head.subarray(0, end).toString("latin1").split("\r\n");
        const key = lines.find((l) => /^sec-websocket-key:/i.test(l))?.split(":")[1]?.trim();
        if (!key) return void tcp.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        tcp.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        const peer = new WsPeer(tcp, head.subarray(end + 4));
        ws.#peers.add(peer);
        tcp.on("close", () => ws.#peers.delete(peer));
        onPeer(peer, lines[0]!.split(" ")[1] ?? "/");
        peer.start();
      };
      tcp.on("data", onData);
    });
    return new Promise((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        ws = new WsServer(server, (server.address() as { port: number }).port);
        resolve(ws);
      })
    );
  }

  close(): Promise<void> {
    for (const peer of this.#peers) peer.drop();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** One client connection: text messages in, text messages and close frames out. */
export class WsPeer {
  onText: (text: string) => void = () => {};
  onClose: () => void = () => {};
  #tcp: Socket;
  #buffer: Buffer;
  #parts: Buffer[] = [];
  #closed = false;

  constructor(tcp: Socket, rest: Buffer) {
    this.#tcp = tcp;
    this.#buffer = rest;
    tcp.on("close", () => {
      this.#closed = true;
      this.onClose();
    });
  }

  /** Starts reading (after the owner set `onText`). */
  start(): void {
    this.#tcp.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#read();
    });
    this.#read();
  }

  get open(): boolean {
    return !this.#closed;
  }

  send(text: string): void {
    if (!this.#closed) this.#tcp.write(encodeFrame(1, Buffer.from(text)));
  }

  /** A close frame with `code`, then the TCP connection ends. */
  close(code: number, reason = ""): void {
    if (this.#closed) return;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.#tcp.end(encodeFrame(8, payload));
    this.#closed = true;
  }

  /** The connection vanishes: no close frame, the TCP socket is destroyed. */
  drop(): void {
    this.#closed = true;
    this.#tcp.destroy();
  }

  #read(): void {
    for (;;) {
      const b = this.#buffer;
      const head = frameHead(b);
      if (!head) return;
      const { fin, opcode, masked, length } = head;
      const maskAt = head.offset;
      const offset = masked ? maskAt + 4 : maskAt;
      if (b.length < offset + length) return;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskAt + (i % 4)]!;
      this.#buffer = b.subarray(offset + length);
      if (opcode === 8) {
        // The client closes: answer with the same code, as a server does.
        if (!this.#closed) this.#tcp.end(encodeFrame(8, payload.subarray(0, 2)));
        this.#closed = true;
        return;
      }
      if (opcode === 9) {
        this.#tcp.write(encodeFrame(10, payload));
        continue;
      }
      if (opcode === 10) continue;
      this.#parts.push(payload);
      if (!fin) continue;
      const text = Buffer.concat(this.#parts).toString("utf8");
      this.#parts = [];
      if (!this.#closed) this.onText(text);
    }
  }
}
