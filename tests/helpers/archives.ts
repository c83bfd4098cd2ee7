import { deflateRawSync, gzipSync } from "node:zlib";

/**
 * Small tar and zip writers, so tests can pack their own d-zone-shaped
 * folder (and hostile or broken variants of it) without `tar` or `zip` on
 * the machine. Entries are written exactly as given, `../` and all.
 */
export interface RawEntry {
  name: string;
  data?: string | Uint8Array;
  /** `file` (default), `folder` or `link` (to `target`). */
  kind?: "file" | "folder" | "link";
  target?: string;
}

const encoder = new TextEncoder();
const bytesOf = (data: string | Uint8Array | undefined) => typeof data === "string" ? encoder.encode(data) : data ?? new Uint8Array();

/** A ustar archive (names up to 100 bytes, which is all the tests need). */
export function tar(entries: RawEntry[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const entry of entries) {
    const data = bytesOf(entry.data);
    const header = new Uint8Array(512);
    const put = (at: number, text: string) => header.set(encoder.encode(text), at);
    const octal = (at: number, width: number, n: number) => put(at, n.toString(8).padStart(width - 1, "0") + "\0");
    put(0, entry.name);
    octal(100, 8, entry.kind === "folder" ? 0o755 : 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, entry.kind === "file" || !entry.kind ? data.length : 0);
    octal(136, 12, 1_700_000_000);
    put(156, entry.kind === "folder" ? "5" : entry.kind === "link" ? "2" : "0");
    if (entry.target) put(157, entry.target);
    put(257, "ustar\x0000");
    header.fill(0x20, 148, 156);
    const sum = header.reduce((total, byte) => total + byte, 0);
    put(148, sum.toString(8).padStart(6, "0") + "\0 ");
    blocks.push(header);
    if (entry.kind === "file" || !entry.kind) {
      const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
      padded.set(data);
      blocks.push(padded);
    }
  }
  blocks.push(new Uint8Array(1024));
  return concat(blocks);
}

export const tarGz = (entries: RawEntry[]): Uint8Array => new Uint8Array(gzipSync(tar(entries)));

/** CRC-32 taken from zlib's own gzip trailer, so the writer does not share code with the reader it tests. */
const crcOf = (data: Uint8Array) => {
  const gz = gzipSync(data);
  return gz.readUInt32LE(gz.length - 8);
};

/** A zip archive, every file deflated. */
export function zip(entries: RawEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.kind === "folder" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name);
    const data = entry.kind === "link" ? encoder.encode(entry.target ?? "") : bytesOf(entry.data);
    const packed = new Uint8Array(deflateRawSync(data));
    const crc = crcOf(data);
    const local = new Uint8Array(30 + name.length);
    const l = new DataView(local.buffer);
    l.setUint32(0, 0x04034b50, true);
    l.setUint16(4, 20, true);
    l.setUint16(8, 8, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, packed.length, true);
    l.setUint32(22, data.length, true);
    l.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const c = new DataView(central.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, (3 << 8) | 20, true); // made by Unix, so the mode bits below count
    c.setUint16(6, 20, true);
    c.setUint16(10, 8, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, packed.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, name.length, true);
    c.setUint32(38, ((entry.kind === "link" ? 0o120777 : entry.kind === "folder" ? 0o40755 : 0o100644) << 16) >>> 0, true);
    c.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, packed);
    centrals.push(central);
    offset += local.length + packed.length;
  }
  const directory = concat(centrals);
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, entries.length, true);
  e.setUint16(10, entries.length, true);
  e.setUint32(12, directory.length, true);
  e.setUint32(16, offset, true);
  return concat([...locals, directory, end]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
