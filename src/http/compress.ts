import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync, type ZlibOptions } from "node:zlib";
import type { BrotliOptions } from "node:zlib";

/**
 * The content codings d-back compresses text files into, at the best ratio
 * each allows: a file is compressed once per version (at build time for an
 * executable, at first request for a `--static-dir` file), and its bytes go
 * out on every page load after that.
 */
export const codings = ["br", "gzip"] as const;
export type Coding = typeof codings[number];

const brotliOptions = (size: number): BrotliOptions => ({
  params: {
    [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    [constants.BROTLI_PARAM_SIZE_HINT]: size,
  },
});
const gzipOptions: ZlibOptions = { level: constants.Z_BEST_COMPRESSION };

/** Compresses at once, blocking: for build scripts. */
export function compressSync(coding: Coding, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = coding === "br" ? brotliCompressSync(bytes, brotliOptions(bytes.byteLength)) : gzipSync(bytes, gzipOptions);
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}

/** Compresses on the runtime's worker threads, so a server keeps answering meanwhile. */
export function compress(coding: Coding, bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, out: Uint8Array) =>
      error ? reject(error) : resolve(new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength));
    if (coding === "br") brotliCompress(bytes, brotliOptions(bytes.byteLength), done);
    else gzip(bytes, gzipOptions, done);
  });
}
