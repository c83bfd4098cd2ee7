import { readFileSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import type { Asset, StaticRoot } from "./static.ts";
import { contentType } from "./mime.ts";

/** Opens a file as a response body; each runtime has its own fastest way. */
export type OpenFile = (path: string) => Promise<BodyInit>;

/** Files up to this size are read whole; bigger ones are streamed. */
const READ_WHOLE = 1024 * 1024;

/**
 * A folder on disk (`--static-dir`). Every path is resolved through symlinks
 * and must still lie inside the folder, so a link cannot lead out of it.
 *
 * Lookups are synchronous and files of a d-zone build's sizes are read whole:
 * on a local folder a stat or a read takes microseconds, while the
 * asynchronous calls and a streamed body cost a trip through the runtime's
 * thread pool each (d-zone's page: 6 100 requests/s that way on the 2-core
 * build machine, 9 900 this way; bench/RESULTS.md).
 */
export class DirectoryRoot implements StaticRoot {
  readonly description: string;
  #root: string;
  #open: OpenFile;

  constructor(dir: string, open: OpenFile) {
    this.#root = realpathSync(dir);
    this.#open = open;
    this.description = `folder ${this.#root}`;
  }

  async get(path: string): Promise<Asset | undefined> {
    const found = this.#find(path);
    if (!found) return undefined;
    return {
      body: found.size <= READ_WHOLE ? readFileSync(found.real) as Uint8Array<ArrayBuffer> : await this.#open(found.real),
      type: contentType(found.real),
      etag: `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`,
    };
  }

  has(path: string): Promise<boolean> {
    return Promise.resolve(this.#find(path) !== undefined);
  }

  /** The regular file at `path`, through symlinks, if it lies inside the folder. */
  #find(path: string): { real: string; size: number; mtimeMs: number } | undefined {
    try {
      const real = realpathSync(join(this.#root, path));
      if (!real.startsWith(this.#root.endsWith(sep) ? this.#root : this.#root + sep)) return undefined;
      const info = statSync(real);
      return info.isFile() ? { real, size: info.size, mtimeMs: info.mtimeMs } : undefined;
    } catch {
      return undefined;
    }
  }
}
