/**
 * Just enough of tar (ustar, with GNU long names and pax paths) and zip
 * (stored and deflated) to unpack a d-zone build, in memory, with node:zlib.
 * Both formats are simple, and reading them ourselves means no `tar` or
 * `unzip` on the build machine and one behaviour everywhere. Anything
 * damaged or hostile is refused with a `BuildError`: bad checksums, short
 * data, bad CRCs, and entry paths that would land outside the folder.
 */
import { gunzipSync, inflateRawSync } from "node:zlib";
import { BuildError } from "./errors.ts";

/** One entry of an archive, its path made relative and safe. */
export interface Entry {
  path: string;
  kind: "file" | "folder" | "link" | "other";
  bytes: Uint8Array;
}

/** More than any d-zone build by far; guards against archives that unpack to gigabytes. */
export const MAX_UNPACKED = 256 * 1024 * 1024;

const decoder = new TextDecoder();

/** Which reader an archive's name asks for, or undefined when it names none. */
export function archiveKind(name: string): "tar.gz" | "tar" | "zip" | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return "tar.gz";
  if (lower.endsWith(".tar")) return "tar";
  if (lower.endsWith(".zip")) return "zip";
  return undefined;
}

/** The entries of an archive; `name` is used for its kind and in error messages. */
export function readArchive(name: string, bytes: Uint8Array): Entry[] {
  switch (archiveKind(name)) {
    case "tar.gz":
      return readTar(name, gunzip(name, bytes));
    case "tar":
      return readTar(name, bytes);
    case "zip":
      return readZip(name, bytes);
    default:
      throw new BuildError(`${name}: not a .tar.gz, .tgz, .tar or .zip file`);
  }
}

/** A plain Uint8Array over a node Buffer's bytes, so entries compare equal to bytes read any other way. */
const plain = (buffer: Uint8Array) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

const corrupted = (name: string, what: string) => new BuildError(`${name} is corrupted or not a complete archive: ${what}`);

function gunzip(name: string, bytes: Uint8Array): Uint8Array {
  try {
    return plain(gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED }));
  } catch (error) {
    throw corrupted(name, `not a valid gzip stream (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * An archive entry's name as a relative path inside the folder, or a refusal:
 * no absolute paths, drive letters, backslashes, NUL bytes or `..` segments.
 * `./` prefixes and doubled slashes are harmless and dropped.
 */
export function entryPath(archive: string, raw: string): string {
  const refuse = (why: string) =>
    new BuildError(`${archive}: entry ${JSON.stringify(raw)} ${why}; refusing the whole archive`);
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw)) throw refuse("is an absolute path");
  // deno-lint-ignore no-control-regex
  if (/[\\\x00]/.test(raw)) throw refuse("has a backslash or NUL byte in its name");
  const segments = raw.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw refuse("would land outside the folder (..)");
  return segments.join("/");
}

// ── tar ────────────────────────────────────────────────────────────────────

const BLOCK = 512;

function text(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function octal(archive: string, block: Uint8Array, start: number, length: number, what: string): number {
  if (block[start]! & 0x80) throw corrupted(archive, `${what} in base-256, for files too large for a d-zone build`);
  const digits = text(block, start, length).trim();
  if (!/^[0-7]*$/.test(digits)) throw corrupted(archive, `bad ${what} field ${JSON.stringify(digits)}`);
  return digits === "" ? 0 : parseInt(digits, 8);
}

/** Records of a pax extended header: `LENGTH key=value\n`, repeated, LENGTH in bytes and counting itself. */
function paxRecords(archive: string, data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = space < 0 ? NaN : Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isSafeInteger(length) || length <= 0 || at + length > data.length) throw corrupted(archive, "bad pax record length");
    const record = /^\d+ ([^=]+)=([\s\S]*)\n$/.exec(decoder.decode(data.subarray(at, at + length)));
    if (!record) throw corrupted(archive, "bad pax record");
    records.set(record[1]!, record[2]!);
    at += length;
  }
  return records;
}

/** The entries of an uncompressed tar archive. */
export function readTar(archive: string, bytes: Uint8Array): Entry[] {
  const entries: Entry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  let unpacked = 0;
  for (;;) {
    if (offset === bytes.length) break; // some writers leave out the two zero blocks at the end
    if (offset + BLOCK > bytes.length) throw corrupted(archive, `it ends inside a header at byte ${offset}`);
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;

    const stored = octal(archive, header, 148, 8, "checksum");
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    if (sum !== stored) throw corrupted(archive, `bad header checksum at byte ${offset}`);

    const type = String.fromCharCode(header[156]!);
    const size = pax.has("size") ? Number(pax.get("size")) : octal(archive, header, 124, 12, "size");
    const start = offset + BLOCK;
    const next = start + Math.ceil(size / BLOCK) * BLOCK;
    if (!Number.isSafeInteger(size) || next > bytes.length) throw corrupted(archive, `it ends inside an entry at byte ${start}`);
    unpacked += size;
    if (unpacked > MAX_UNPACKED) throw new BuildError(`${archive}: unpacks to more than ${MAX_UNPACKED / 2 ** 20} MiB; not a d-zone build`);
    const data = bytes.subarray(start, start + size);
    offset = next;

    if (type === "L") {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      pax = paxRecords(archive, data);
      continue;
    }
    if (type === "g") continue;

    const ustar = text(header, 257, 5) === "ustar";
    const prefix = ustar ? text(header, 345, 155) : "";
    const name = longName ?? pax.get("path") ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    pax = new Map();
    const kind = type === "0" || type === "\0" || type === "7"
      ? "file"
      : type === "5"
      ? "folder"
      : type === "1" || type === "2"
      ? "link"
      : "other";
    entries.push({ path: entryPath(archive, name), kind, bytes: data });
  }
  return entries;
}

// ── zip ────────────────────────────────────────────────────────────────────

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as zip (and gzip) use it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The entries of a zip archive, read through its central directory. */
export function readZip(archive: string, bytes: Uint8Array): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const need = (at: number, length: number, what: string) => {
    if (at < 0 || at + length > bytes.length) throw corrupted(archive, `${what} lies past the end of the file`);
  };

  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw corrupted(archive, "no end-of-central-directory record");
  const count = u16(eocd + 10);
  let at = u32(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) throw new BuildError(`${archive}: zip64 archives are not supported; a d-zone build is far smaller`);

  const entries: Entry[] = [];
  let unpacked = 0;
  for (let i = 0; i < count; i++) {
    need(at, 46, "the central directory");
    if (u32(at) !== 0x02014b50) throw corrupted(archive, `bad central directory entry at byte ${at}`);
    const madeBy = u16(at + 4) >> 8;
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const external = u32(at + 38);
    const local = u32(at + 42);
    need(at + 46, nameLength, "an entry name");
    const raw = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + u16(at + 30) + u16(at + 32);

    const path = entryPath(archive, raw);
    if (raw.endsWith("/")) {
      entries.push({ path, kind: "folder", bytes: new Uint8Array() });
      continue;
    }
    const isLink = madeBy === 3 && ((external >>> 16) & 0o170000) === 0o120000;
    if (flags & 1) throw new BuildError(`${archive}: entry ${JSON.stringify(raw)} is encrypted; encrypted archives are not supported`);
    unpacked += size;
    if (unpacked > MAX_UNPACKED) throw new BuildError(`${archive}: unpacks to more than ${MAX_UNPACKED / 2 ** 20} MiB; not a d-zone build`);

    need(local, 30, `the data of ${raw}`);
    if (u32(local) !== 0x04034b50) throw corrupted(archive, `bad local header for ${raw}`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    need(start, compressedSize, `the data of ${raw}`);
    const stored = bytes.subarray(start, start + compressedSize);
    let data: Uint8Array;
    if (method === 0) data = stored;
    else if (method === 8) {
      try {
        data = plain(inflateRawSync(stored, { maxOutputLength: Math.max(size, 1) }));
      } catch (error) {
        throw corrupted(archive, `cannot inflate ${raw} (${error instanceof Error ? error.message : String(error)})`);
      }
    } else throw new BuildError(`${archive}: entry ${JSON.stringify(raw)} uses compression method ${method}; only stored and deflated are supported`);
    if (data.length !== size || crc32(data) !== crc) throw corrupted(archive, `${raw} does not match its size and CRC`);
    entries.push({ path, kind: isLink ? "link" : "file", bytes: data });
  }
  return entries;
}
