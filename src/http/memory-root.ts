import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { Asset, StaticRoot } from "./static.ts";
import { contentType } from "./mime.ts";

const encoder = new TextEncoder();

/** A strong entity tag: the first 128 bits of the content's SHA-256. */
export const contentTag = (bytes: Uint8Array): string => `"${encodeBase64urlNoPadding(sha256(bytes).subarray(0, 16))}"`;

/** Files held in memory, tagged by content hash once, when the root is made. */
export class MemoryRoot implements StaticRoot {
  readonly description: string;
  #files = new Map<string, { bytes: Uint8Array; type: string; etag: string }>();

  constructor(description: string, files: Record<string, string | Uint8Array>) {
    this.description = description;
    for (const [path, content] of Object.entries(files)) {
      const bytes = typeof content === "string" ? encoder.encode(content) : content;
      this.#files.set(path, { bytes, type: contentType(path), etag: contentTag(bytes) });
    }
  }

  get(path: string): Promise<Asset | undefined> {
    const file = this.#files.get(path);
    return Promise.resolve(file && { body: file.bytes as Uint8Array<ArrayBuffer>, type: file.type, etag: file.etag });
  }
}
