import { Buffer } from "node:buffer";

/**
 * WebSocket framing (RFC 6455) for the test peers written on raw TCP: the
 * raw client (raw-socket.ts) and the fake gateway's server (ws-server.ts).
 */

/** The head of the frame at the start of `b`, or undefined while it is incomplete. */
export function frameHead(b: Buffer): { fin: boolean; opcode: number; masked: boolean; length: number; offset: number } | undefined {
  if (b.length < 2) return undefined;
  let length = b[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (b.length < 4) return undefined;
    length = b.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (b.length < 10) return undefined;
    length = Number(b.readBigUInt64BE(2));
    offset = 10;
  }
  return { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, masked: (b[1]! & 0x80) !== 0, length, offset };
}

/** One final frame: unmasked as a server sends it, or masked with `mask` as a client must. */
export function encodeFrame(opcode: number, data: Buffer, mask?: Buffer): Buffer {
  const n = data.length;
  const bit = mask ? 0x80 : 0;
  let head: Buffer;
  if (n < 126) head = Buffer.from([0x80 | opcode, bit | n]);
  else if (n < 65536) head = Buffer.from([0x80 | opcode, bit | 126, n >> 8, n & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = bit | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  if (!mask) return Buffer.concat([head, data]);
  const payload = Buffer.from(data);
  for (let i = 0; i < n; i++) payload[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, payload]);
}
