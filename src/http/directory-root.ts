import { realpathSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { Asset, StaticRoot } from "./static.ts";
import { contentType } from "./mime.ts";

/** Opens a file as a response body; each runtime has its own fastest way. */
export type OpenFile = (path: string) => Promise<BodyInit>;

/**
 * A folder on disk (`--static-dir`). Every path is resolved through symlinks
 * and must still lie inside the folder, so a link cannot lead out of it.
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
    const found = await this.#find(path);
    if (!found) return undefined;
    return {
      body: await this.#open(found.real),
      type: contentType(found.real),
      etag: `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`,
    };
  }

  async has(path: string): Promise<boolean> {
    return (await this.#find(path)) !== undefined;
  }

  /** The regular file at `path`, through symlinks, if it lies inside the folder. */
  async #find(path: string): Promise<{ real: string; size: number; mtimeMs: number } | undefined> {
    let real: string;
    try {
      real = await realpath(join(this.#root, path));
    } catch {
      return undefined;
    }
    if (!real.startsWith(this.#root.endsWith(sep) ? this.#root : this.#root + sep)) return undefined;
    const info = await stat(real).catch(() => undefined);
    return info?.isFile() ? { real, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  }
}
