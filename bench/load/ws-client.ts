/**
 * A WebSocket client for load processes, on Bun's raw TCP sockets: it hands
 * over each frame's payload as bytes (the whole payload when small, the
 * first bytes of a large one) and never decodes text. Per frame it costs a
 * few byte comparisons instead of a string and an event object, so a few
 * load processes can keep up with the server they measure.
 */

import { connectTcp, type TcpSocket } from "./tcp.ts";

export interface Handlers {
  /** The upgrade succeeded. */
  open?(): void;
  /**
   * A whole message: `payload` is all of it up to `KEEP` bytes, else its
   * first `HEAD` bytes; `length` is its real size. Valid only during the call.
   */
  message(payload: Uint8Array, length: number): void;
  /** The connection ended (or never opened); `why` says what went wrong, if anything. */
  close?(why?: string): void;
}

/** Payloads up to this size are handed over whole. */
const KEEP = 4096;
/** Of a larger payload, the first bytes handed over. */
const HEAD = 64;

const encoder = new TextEncoder();

function randomKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

export class WsClient {
  #socket: TcpSocket | undefined;
  #handlers: Handlers;
  #upgraded = false;
  #closed = false;
  #pending: Uint8Array[] = [];
  /** Handshake bytes so far. */
  #handshake = "";
  // Frame parser state.
  #header = new Uint8Array(14);
  #headerHave = 0;
  #headerNeed = 2;
  #opcode = 0;
  #fin = false;
  #remaining = -1; // -1: reading a header
  #length = 0;
  #keep: Uint8Array | undefined;
  #keepHave = 0;
  /** A fragmented message's opcode and first bytes, until its last fragment. */
  #fragment: { opcode: number; head: Uint8Array; length: number } | undefined;

  constructor(url: string, handlers: Handlers, headers: Record<string, string> = {}) {
    this.#handlers = handlers;
    const u = new URL(url);
    const host = u.hostname;
    const port = Number(u.port || 80);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    const request = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomKey()}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
    connectTcp(host, port, {
      open: (socket) => {
        this.#socket = socket;
        this.#write(encoder.encode(request));
      },
      data: (_socket, chunk) => this.#data(chunk),
      drain: () => this.#flush(),
      close: () => this.#end(),
      error: (_socket, error) => this.#end(error.message),
      connectError: (_socket, error) => this.#end(error.message),
    }).catch((error: Error) => this.#end(error.message));
  }

  get open(): boolean {
    return this.#upgraded && !this.#closed;
  }

  /** Sends a text frame (masked, as a client must). */
  send(text: string): void {
    const payload = encoder.encode(text);
    const n = payload.length;
    const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
    const frame = new Uint8Array(2 + ext + 4 + n);
    frame[0] = 0x81;
    if (ext === 0) frame[1] = 0x80 | n;
    else if (ext === 2) {
      frame[1] = 0x80 | 126;
      frame[2] = n >> 8;
      frame[3] = n & 255;
    } else {
      frame[1] = 0x80 | 127;
      new DataView(frame.buffer).setBigUint64(2, BigInt(n));
    }
    const at = 2 + ext;
    const mask = crypto.getRandomValues(frame.subarray(at, at + 4));
    for (let i = 0; i < n; i++) frame[at + 4 + i] = payload[i]! ^ mask[i & 3]!;
    this.#write(frame);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.end();
  }

  #write(bytes: Uint8Array): void {
    if (!this.#socket || this.#closed) return;
    if (this.#pending.length) {
      this.#pending.push(bytes);
      return;
    }
    const n = this.#socket.write(bytes);
    if (n < bytes.length) this.#pending.push(bytes.subarray(Math.max(0, n)));
  }

  #flush(): void {
    while (this.#pending.length && this.#socket) {
      const bytes = this.#pending[0]!;
      const n = this.#socket.write(bytes);
      if (n < bytes.length) {
        this.#pending[0] = bytes.subarray(Math.max(0, n));
        return;
      }
      this.#pending.shift();
    }
  }

  #end(why?: string): void {
    const wasClosed = this.#closed;
    this.#closed = true;
    if (!wasClosed || why) this.#handlers.close?.(why);
  }

  #data(chunk: Uint8Array): void {
    let i = 0;
    if (!this.#upgraded) {
      // Handshake responses are small: read them as text, a slice at a time, up to the blank line.
      let done = -1;
      while (done < 0 && i < chunk.length) {
        const before = this.#handshake.length;
        const slice = chunk.subarray(i, i + 1024);
        this.#handshake += String.fromCharCode(...slice);
        done = this.#handshake.indexOf("\r\n\r\n");
        i = done < 0 ? i + slice.length : i + (done + 4 - before);
      }
      if (done < 0) return;
      if (!this.#handshake.startsWith("HTTP/1.1 101")) {
        this.#end(`upgrade refused: ${this.#handshake.split("\r\n")[0]}`);
        this.close();
        return;
      }
      this.#upgraded = true;
      this.#handlers.open?.();
    }
    while (i < chunk.length) {
      if (this.#remaining < 0) {
        // Header: 2 bytes, then 2 or 8 length bytes, then (never from a server) 4 mask bytes.
        while (this.#headerHave < this.#headerNeed && i < chunk.length) this.#header[this.#headerHave++] = chunk[i++]!;
        if (this.#headerHave < this.#headerNeed) return;
        if (this.#headerHave === 2) {
          const len7 = this.#header[1]! & 127;
          const masked = (this.#header[1]! & 128) !== 0;
          this.#headerNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
          if (this.#headerNeed > 2) continue;
        }
        this.#startPayload();
        if (this.#remaining === 0) this.#frameEnd(new Uint8Array(0));
        continue;
      }
      const n = Math.min(this.#remaining, chunk.length - i);
      if (!this.#keep && n === this.#remaining && this.#length <= KEEP) {
        // The whole (small) payload is in this chunk: hand over a view, no copy.
        const payload = chunk.subarray(i, i + n);
        i += n;
        this.#remaining = 0;
        this.#frameEnd(payload);
        continue;
      }
      if (!this.#keep) this.#keep = new Uint8Array(Math.min(this.#length, this.#length <= KEEP ? KEEP : HEAD));
      const room = this.#keep.length - this.#keepHave;
      if (room > 0) {
        const take = Math.min(room, n);
        this.#keep.set(chunk.subarray(i, i + take), this.#keepHave);
        this.#keepHave += take;
      }
      i += n;
      this.#remaining -= n;
      if (this.#remaining === 0) {
        const kept = this.#keep.subarray(0, this.#keepHave);
        this.#keep = undefined;
        this.#keepHave = 0;
        this.#frameEnd(kept);
      }
    }
  }

  #startPayload(): void {
    const h = this.#header;
    this.#fin = (h[0]! & 128) !== 0;
    this.#opcode = h[0]! & 15;
    const len7 = h[1]! & 127;
    this.#length = len7 === 126 ? (h[2]! << 8) | h[3]! : len7 === 127 ? Number(new DataView(h.buffer).getBigUint64(2)) : len7;
    this.#remaining = this.#length;
    this.#headerHave = 0;
    this.#headerNeed = 2;
  }

  #frameEnd(payload: Uint8Array): void {
    this.#remaining = -1;
    const opcode = this.#opcode;
    if (opcode === 8) {
      this.close();
      return;
    }
    if (opcode === 9) {
      // Ping: answer with a pong carrying the same bytes.
      const pong = new Uint8Array(6 + payload.length);
      pong[0] = 0x8a;
      pong[1] = 0x80 | payload.length;
      pong.set(payload, 6);
      this.#write(pong);
      return;
    }
    if (opcode === 10) return;
    if (opcode === 0 && this.#fragment) {
      this.#fragment.length += this.#length;
      if (this.#fin) {
        const f = this.#fragment;
        this.#fragment = undefined;
        this.#handlers.message(f.head, f.length);
      }
      return;
    }
    if (!this.#fin) {
      this.#fragment = { opcode, head: payload.slice(0, HEAD), length: this.#length };
      return;
    }
    this.#handlers.message(payload, this.#length);
  }
}
