/**
 * The d-zone release an executable embeds by default, pinned by commit and by
 * the SHA-256 of every file, and the download that fetches it once into a
 * cache. Every byte is checked against the pin, both when it arrives and
 * when it is read back from the cache, so neither a changed upstream nor a
 * damaged cache ends up inside an executable.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { BuildError, reason } from "./errors.ts";

export interface Pin {
  version: string;
  /** Where each file lives: `${baseUrl}${path}`. */
  baseUrl: string;
  /** Path → SHA-256, lower-case hex. */
  files: Record<string, string>;
}

const commit = "e6e169887ea12c1a7bbd73394a01a45574a4603b";

/** d-zone 0.1.7: the `0.1.7/` folder of the `gh-pages` branch of NNTin/d-zone at that commit. */
export const DZONE_PIN: Pin = {
  version: "0.1.7",
  baseUrl: `https://raw.githubusercontent.com/NNTin/d-zone/${commit}/0.1.7/`,
  files: {
    "css/main.css": "4e9fa4826b39721e5db4a3bd40f6d414c10eb7eaf42beb945e9356d961d64cae",
    "discord-callback.html": "49ca4d04332f54e03ff0a42ea6df95258a8cc82e78d295730bdb912f3ca5d740",
    "favicon-152.png": "4258fb815071ffb38f27dbe3913d889c349b43abb7da67b886cc557a8e28948b",
    "favicon-196.png": "cf2bbabeda1ebf28d7267788eb1606aff7a75b4fe0f434d5b749fe578dbda735",
    "favicon.ico": "b20225c2354e42300563919e38a233f79f3031d3769e0d6d8d208b7958f073e4",
    "img/actors.png": "9d38d56f27af74222d67892228b8ddb7906982f4e157cedf8c03ddd86353e61f",
    "img/environment.png": "4d49dfe9a1d55e2e9c21042c8e37897a2012cbeb94acecc8b3b05a9e251044e7",
    "img/font.png": "39707669ec6a76a65d75dc534944cf49f0d5b831f7d2590e74d4d73d7e0e72f6",
    "img/props.png": "7632a8399181cc85a561770b98473ebf3f8edecf5eb6c30d80cd55aff8aa1702",
    "img/static-tiles.png": "508b143791da8a2d7232461eb406de933ad4c468470eeb84cdbe72e44f231472",
    "index.html": "32b5ce02c84f56545a9dfdb72bd33aff0c6e8bda26d939610eddafd72ebe9503",
    "static/bundle.js": "c312670acce9099bd3655a2d802906d24eff04d98d3ec97c4a2ca449a0a42ffe",
    "static/bundle.js.map": "5ab1c03be06050e1c78bdc1860d3730301da0df30d376d796f8232cb25ec5b54",
  },
};

export const sha256Hex = (bytes: Uint8Array): string => encodeHexLowerCase(sha256(bytes));

export interface DownloadOptions {
  /** Where checked files are kept between builds (git-ignored). */
  cacheDir: string;
  /** How long one file may take, in ms. Default 30 s. */
  timeoutMs?: number;
  /** Called once per file actually downloaded (not for cache hits). */
  onDownload?: (path: string) => void;
}

/** The cached copy of a file, when it is there and still matches the pin. */
function cached(cacheDir: string, path: string, hash: string): Uint8Array | undefined {
  try {
    const bytes = new Uint8Array(readFileSync(join(cacheDir, path)));
    return sha256Hex(bytes) === hash ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pinned release's files: from the cache when they are there and intact,
 * downloaded (and then cached) when not. Fails with a one-line `BuildError`
 * that says what to do instead when the network or upstream lets us down.
 */
export async function fetchPinned(pin: Pin, options: DownloadOptions): Promise<Map<string, Uint8Array>> {
  const host = new URL(pin.baseUrl).host;
  const instead = "give a d-zone build with --dzone PATH (a folder, .tar.gz or .zip), or build without d-zone with --no-dzone";
  const fetchOne = async (path: string, hash: string): Promise<[string, Uint8Array]> => {
    const hit = cached(options.cacheDir, path, hash);
    if (hit) return [path, hit];
    let bytes: Uint8Array;
    try {
      const response = await fetch(pin.baseUrl + path, { signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status} for ${path}`);
      }
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new BuildError(`cannot download d-zone ${pin.version} from ${host} (${reason(error)}); ${instead}`);
    }
    const got = sha256Hex(bytes);
    if (got !== hash) {
      throw new BuildError(
        `d-zone ${pin.version}: ${path} from ${host} does not match its pinned SHA-256 (got ${got}, want ${hash}); ${instead}`,
      );
    }
    const file = join(options.cacheDir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.part`, bytes);
    renameSync(`${file}.part`, file);
    options.onDownload?.(path);
    return [path, bytes];
  };
  return new Map(await Promise.all(Object.entries(pin.files).map(([path, hash]) => fetchOne(path, hash))));
}
