import { connect, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import { encodeFrame, frameHead } from "./ws-frames.ts";

export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

/** The server answered an upgrade with an HTTP error instead of 101. */
export class Refused extends Error {
  override name = "Refused";
  constructor(readonly status: number, readonly body: string) {
    super(`upgrade refused with ${status}: ${body.trim()}`);
  }
}

const Opcode = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/**
 * A WebSocket client written on raw TCP, for peers no real client would be:
 * one that stops reading, one that never answers a ping, one that never
 * answers a close. It does the handshake and frames by hand, and does
 * nothing on its own: no pongs, no close replies.
 */
export class RawSocket {
  readonly tcp: Socket;
  readonly frames: RawFrame[] = [];
  /** Resolves when the TCP connection is gone. */
  readonly ended: Promise<void>;
  #buffer: Buffer = Buffer.alloc(0);

  private constructor(tcp: Socket, rest: Buffer) {
    this.tcp = tcp;
    this.ended = new Promise((resolve) => tcp.on("close", () => resolve()));
    tcp.on("error", () => {});
    tcp.on("data", (chunk: Buffer) => this.#read(chunk));
    this.#read(rest);
  }

  /**
   * Connects and completes the opening handshake; rejects with `Refused` when
   * the server answers otherwise. With `ca`, over TLS (wss), trusting that certificate (and from any local address).
   */
  static open(port: number, { path = "/", from, ca }: { path?: string; from?: string; ca?: string } = {}): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const tcp = ca
        ? connectTls({ port, host: "127.0.0.1", ca, servername: "localhost" })
        : connect({ port, host: "127.0.0.1", localAddress: from });
      tcp.once("error", reject);
      tcp.on(ca ? "secureConnect" : "connect", () =>
        tcp.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ));
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const text = head.subarray(0, end).toString("latin1");
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
        if (status === 101) {
          tcp.off("data", onData);
          tcp.off("error", reject);
          return resolve(new RawSocket(tcp, head.subarray(end + 4)));
        }
        const length = Number(/^content-length: *(\d+)/im.exec(text)?.[1] ?? 0);
        if (head.length - end - 4 < length) return;
        tcp.destroy();
        reject(new Refused(status, head.subarray(end + 4, end + 4 + length).toString("utf8")));
      };
      tcp.on("data", onData);
    });
  }

  /** Text frames received, parsed. */
  get messages(): { type: string; data: any }[] {
    return this.frames.filter((f) => f.opcode === Opcode.text).map((f) => JSON.parse(f.payload.toString("utf8")));
  }

  /** The close frame received, if any: its code and reason. */
  get close(): { code: number; reason: string } | undefined {
    const frame = this.frames.find((f) => f.opcode === Opcode.close);
    if (!frame) return undefined;
    return { code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005, reason: frame.payload.subarray(2).toString("utf8") };
  }

  get pings(): number {
    return this.frames.filter((f) => f.opcode === Opcode.ping).length;
  }

  /** Sends one masked text frame, as a client must. */
  send(text: string): void {
    this.tcp.write(encodeFrame(Opcode.text, Buffer.from(text, "utf8"), randomBytes(4)));
  }

  /** Waits until a text frame of `type` has arrived. */
  async next(type: string, timeout = 5000): Promise<{ type: string; data: any }> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.messages.find((m) => m.type === type);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} within ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops reading: the kernel buffers fill and the server's unsent data grows. */
  stopReading(): void {
    this.tcp.pause();
  }

  resumeReading(): void {
    this.tcp.resume();
  }

  destroy(): void {
    this.tcp.destroy();
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    for (;;) {
      const b = this.#buffer;
      const head = frameHead(b);
      if (!head || b.length < head.offset + head.length) return;
      this.frames.push({ opcode: head.opcode, payload: b.subarray(head.offset, head.offset + head.length) });
      this.#buffer = b.subarray(head.offset + head.length);
    }
  }
}
