import { encodeBase64 } from "@oslojs/encoding";
import type { AssetPack, Encoding, PackedFile } from "../src/http/asset-pack.ts";
import { contentType, isText } from "../src/http/mime.ts";
import { contentTag } from "../src/http/memory-root.ts";
import { codings, compressSync } from "../src/http/compress.ts";

/**
 * Packs files for an executable: every text file also in brotli and gzip
 * (kept only when smaller than the plain bytes), each variant tagged by the
 * hash of its own bytes, so a cache never mixes up two encodings.
 */
export function packFiles(description: string, files: ReadonlyMap<string, Uint8Array>): AssetPack {
  const packed: Record<string, PackedFile> = {};
  for (const [path, bytes] of [...files].sort(([a], [b]) => a < b ? -1 : 1)) {
    const type = contentType(path);
    const variants: { encoding: Encoding; bytes: Uint8Array }[] = [{ encoding: "identity", bytes }];
    if (isText(type)) {
      for (const encoding of codings) {
        const compressed = compressSync(encoding, bytes);
        if (compressed.byteLength < bytes.byteLength) variants.push({ encoding, bytes: compressed });
      }
    }
    variants.sort((a, b) => a.bytes.byteLength - b.bytes.byteLength);
    packed[path] = {
      type,
      variants: variants.map(({ encoding, bytes }) => ({ encoding, etag: contentTag(bytes), base64: encodeBase64(bytes) })),
    };
  }
  return { description, files: packed };
}

/** Bytes of a pack's files: plain, and all variants together. */
export function packSize(pack: AssetPack): { files: number; plain: number; total: number } {
  let plain = 0;
  let total = 0;
  for (const file of Object.values(pack.files)) {
    for (const variant of file.variants) {
      const size = Math.floor(variant.base64.length * 3 / 4) - (variant.base64.match(/=+$/)?.[0].length ?? 0);
      total += size;
      if (variant.encoding === "identity") plain += size;
    }
  }
  return { files: Object.keys(pack.files).length, plain, total };
}
