import * as v from "valibot";
import { sha256 } from "@oslojs/crypto/sha2";
import { decodeBase64, encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { Asset, StaticRoot } from "./static.ts";
import { contentType } from "./mime.ts";
import { AssetPack, type Encoding } from "./asset-pack.ts";
import { chooseEncoding } from "./accept-encoding.ts";

const encoder = new TextEncoder();

/** A strong entity tag: the first 128 bits of the content's SHA-256. */
export const contentTag = (bytes: Uint8Array): string => `"${encodeBase64urlNoPadding(sha256(bytes).subarray(0, 16))}"`;

interface Variant {
  encoding: Encoding;
  etag: string;
  /** The bytes, once known: at once for plain files, on first use for a pack's base64. */
  bytes?: Uint8Array<ArrayBuffer>;
  base64?: string;
}

interface File {
  type: string;
  /** Smallest first; always includes `identity`. */
  variants: Variant[];
  codings: Encoding[];
}

/**
 * Files held in memory, each in one or more encodings with a strong tag per
 * encoding: the built-in page (plain bytes, tagged when the root is made) or
 * an asset pack an executable carries (compressed and tagged at build time).
 */
export class MemoryRoot implements StaticRoot {
  readonly description: string;
  #files = new Map<string, File>();

  private constructor(description: string, files: Iterable<[string, { type: string; variants: Variant[] }]>) {
    this.description = description;
    for (const [path, file] of files) this.#files.set(path, { ...file, codings: file.variants.map((v) => v.encoding) });
  }

  /** Plain files, tagged by content hash. */
  static fromFiles(description: string, files: Record<string, string | Uint8Array>): MemoryRoot {
    return new MemoryRoot(
      description,
      Object.entries(files).map(([path, content]) => {
        const bytes = (typeof content === "string" ? encoder.encode(content) : content) as Uint8Array<ArrayBuffer>;
        return [path, { type: contentType(path), variants: [{ encoding: "identity", bytes, etag: contentTag(bytes) }] }];
      }),
    );
  }

  /**
   * A pack written by build.ts; throws when it is not one. Each variant is
   * decoded when first asked for, not here: an executable starts in tens of
   * milliseconds, and decoding all of d-zone up front would double that.
   */
  static fromPack(input: unknown): MemoryRoot {
    const pack = v.parse(AssetPack, input);
    return new MemoryRoot(
      pack.description,
      Object.entries(pack.files).map(([path, file]) => [path, { type: file.type, variants: file.variants.map((variant) => ({ ...variant })) }]),
    );
  }

  /** The paths this root holds. */
  get paths(): string[] {
    return [...this.#files.keys()];
  }

  has(path: string): Promise<boolean> {
    return Promise.resolve(this.#files.has(path));
  }

  get(path: string, acceptEncoding?: string): Promise<Asset | undefined> {
    const file = this.#files.get(path);
    if (!file) return Promise.resolve(undefined);
    const coding = file.codings.length > 1 ? chooseEncoding(acceptEncoding, file.codings) ?? "identity" : "identity";
    const variant = file.variants.find((v) => v.encoding === coding)!;
    if (!variant.bytes) {
      variant.bytes = decodeBase64(variant.base64!) as Uint8Array<ArrayBuffer>;
      variant.base64 = undefined;
    }
    return Promise.resolve({
      body: variant.bytes,
      type: file.type,
      etag: variant.etag,
      encoding: coding === "identity" ? undefined : coding,
      negotiated: file.codings.length > 1,
    });
  }
}
