import type { Encoding } from "./asset-pack.ts";
import type { Asset } from "./static.ts";
import { chooseEncoding } from "./accept-encoding.ts";
import { contentTag } from "./memory-root.ts";
import { isText } from "./mime.ts";

/** What tells one version of a file on disk from the next: any change here is a new version. */
export interface FileStamp {
  /** The path through symlinks, checked to lie inside the folder. */
  real: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export const sameStamp = (a: FileStamp, b: FileStamp): boolean =>
  a.real === b.real && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;

/** Text files smaller than this go out as they are: a few bytes saved would not pay for the headers. */
const COMPRESS_FROM = 256;

interface Variant {
  encoding: Encoding;
  bytes: Uint8Array<ArrayBuffer>;
  etag: string;
}

/**
 * One version of a file, read whole and held in memory, in every encoding
 * worth sending, each with a strong tag of its own bytes (as the executable's
 * packed files have). A text file is compressed (brotli and gzip, on worker
 * threads) when a client that accepts a coding first asks for it; everyone
 * asking meanwhile waits for that one compression.
 */
export class CachedFile {
  /** When the folder last confirmed this version (ms since the epoch). */
  checkedAt: number;
  readonly stamp: FileStamp;
  readonly type: string;
  /** Smallest first once compressed; `identity` always. */
  #variants: Variant[];
  #codings: Encoding[] = ["identity"];
  #compressed?: Promise<void>;
  readonly #negotiated: boolean;

  constructor(stamp: FileStamp, type: string, bytes: Uint8Array<ArrayBuffer>, now: number) {
    this.stamp = stamp;
    this.type = type;
    this.checkedAt = now;
    this.#variants = [{ encoding: "identity", bytes, etag: contentTag(bytes) }];
    this.#negotiated = isText(type) && bytes.byteLength >= COMPRESS_FROM;
  }

  /** This version in the best encoding the client accepts. */
  async asset(acceptEncoding: string | undefined): Promise<Asset> {
    if (this.#negotiated && acceptEncoding) await (this.#compressed ??= this.#compress());
    const coding = this.#codings.length > 1 ? chooseEncoding(acceptEncoding, this.#codings) ?? "identity" : "identity";
    const variant = this.#variants.find((v) => v.encoding === coding)!;
    return {
      body: variant.bytes,
      type: this.type,
      etag: variant.etag,
      encoding: coding === "identity" ? undefined : coding,
      negotiated: this.#negotiated,
    };
  }

  async #compress(): Promise<void> {
    const plain = this.#variants[0]!.bytes;
    // Loaded at the first compression, not at start-up: node:zlib alone costs one runtime about 20 ms to load.
    const { codings, compress } = await import("./compress.ts");
    const made = await Promise.all(codings.map(async (encoding) => {
      try {
        const bytes = await compress(encoding, plain);
        return bytes.byteLength < plain.byteLength ? { encoding, bytes, etag: contentTag(bytes) } : undefined;
      } catch {
        return undefined; // the plain bytes still do
      }
    }));
    this.#variants = [...this.#variants, ...made.filter((v) => v !== undefined)].sort((a, b) => a.bytes.byteLength - b.bytes.byteLength);
    this.#codings = this.#variants.map((v) => v.encoding);
  }
}
