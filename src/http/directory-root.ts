import { readFileSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import type { Asset, StaticRoot } from "./static.ts";
import { contentType } from "./mime.ts";
import { CachedFile, type FileStamp, sameStamp } from "./cached-file.ts";

/** Opens a file as a response body; each runtime has its own fastest way. */
export type OpenFile = (path: string) => Promise<BodyInit>;

/** Files up to this size are read whole and kept; bigger ones are streamed from disk on each request. */
const READ_WHOLE = 1024 * 1024;
/** How long a file's path check and version stay trusted before the folder is asked again. */
export const FRESH_MS = 1000;
/** At most this many bytes (all encodings) and files are kept; the oldest go first. */
const CACHE_BYTES = 64 * 1024 * 1024;
const CACHE_FILES = 4096;

/** What a kept file may come to hold: its bytes, and two compressed forms only kept when smaller. */
const held = (file: CachedFile | BigFile): number => file instanceof CachedFile ? 3 * file.stamp.size : 0;

/** A file too big to keep: only its path check and version are remembered. */
interface BigFile {
  checkedAt: number;
  stamp: FileStamp;
}

/**
 * A folder on disk (`--static-dir`). Every path is resolved through symlinks
 * and must still lie inside the folder, so a link cannot lead out of it.
 *
 * What the folder says is trusted for `FRESH_MS`: each file's resolved path,
 * version (size, times, inode) and, for files of a d-zone build's sizes, its
 * bytes and their compressed forms are kept, and asked again of the folder at
 * the first request after that (at most once a second per file). So a
 * request for a known file touches no disk, a changed or removed file is seen
 * within a second, and a changed symlink is checked again as well. Missing
 * paths are not remembered: a file that appears is served at once.
 */
export class DirectoryRoot implements StaticRoot {
  readonly description: string;
  #root: string;
  #inside: string;
  #open: OpenFile;
  #cache = new Map<string, CachedFile | BigFile>();
  #cachedBytes = 0;

  constructor(dir: string, open: OpenFile) {
    this.#root = realpathSync(dir);
    this.#inside = this.#root.endsWith(sep) ? this.#root : this.#root + sep;
    this.#open = open;
    this.description = `folder ${this.#root}`;
  }

  async get(path: string, acceptEncoding?: string): Promise<Asset | undefined> {
    const file = this.#lookup(path);
    if (!file) return undefined;
    if (file instanceof CachedFile) return file.asset(acceptEncoding);
    const { real, size, mtimeMs } = file.stamp;
    return { body: await this.#open(real), type: contentType(real), etag: `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"` };
  }

  has(path: string): Promise<boolean> {
    return Promise.resolve(this.#lookup(path) !== undefined);
  }

  /** The file at `path` as last confirmed, asking the folder again when that was `FRESH_MS` ago or more. */
  #lookup(path: string): CachedFile | BigFile | undefined {
    const now = Date.now();
    const known = this.#cache.get(path);
    if (known && now - known.checkedAt < FRESH_MS) return known;
    const stamp = this.#stamp(path);
    if (known && stamp && sameStamp(known.stamp, stamp)) {
      known.checkedAt = now;
      return known;
    }
    if (known) this.#forget(path, known);
    if (!stamp) return undefined;
    let file: CachedFile | BigFile;
    try {
      file = stamp.size <= READ_WHOLE
        ? new CachedFile(stamp, contentType(stamp.real), readFileSync(stamp.real) as Uint8Array<ArrayBuffer>, now)
        : { checkedAt: now, stamp };
    } catch {
      return undefined; // gone between the stat and the read
    }
    this.#remember(path, file);
    return file;
  }

  #remember(path: string, file: CachedFile | BigFile): void {
    this.#cache.set(path, file);
    this.#cachedBytes += held(file);
    for (const [oldest, old] of this.#cache) {
      if (this.#cachedBytes <= CACHE_BYTES && this.#cache.size <= CACHE_FILES) break;
      if (old !== file) this.#forget(oldest, old);
    }
  }

  #forget(path: string, file: CachedFile | BigFile): void {
    this.#cache.delete(path);
    this.#cachedBytes -= held(file);
  }

  /** The regular file at `path`, through symlinks, if it lies inside the folder. */
  #stamp(path: string): FileStamp | undefined {
    try {
      const real = realpathSync(join(this.#root, path));
      if (!real.startsWith(this.#inside)) return undefined;
      const info = statSync(real);
      return info.isFile() ? { real, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino } : undefined;
    } catch {
      return undefined;
    }
  }
}
