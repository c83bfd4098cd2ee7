import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { after, before } from "node:test";
import type { Server } from "../../src/mod.ts";
import { startServer } from "./server.ts";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * The files of a small stand-in for a d-zone build (our own, never d-zone's):
 * the same names, a page and a bundle big enough to be worth compressing,
 * tiny ones that are not, and binary images.
 */
export const dzoneFiles: Record<string, string | Uint8Array> = {
  "index.html": "<!doctype html><title>stand-in d-zone</title><script src=\"static/bundle.js\"></script>",
  "discord-callback.html": "<!doctype html><title>callback</title>",
  "css/main.css": "body { margin: 0 }",
  "static/bundle.js": "console.log('stand-in bundle');\n" +
    Array.from({ length: 200 }, (_, i) => `export const line${i} = "stand-in line ${i}";`).join("\n"),
  "static/bundle.js.map": '{"version":3}',
  "img/actors.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]),
  "favicon.ico": new Uint8Array([0, 0, 1, 0]),
};

/**
 * A folder holding `dzoneFiles`, next to a secret file that must never be
 * served or embedded, with symlinks inside that point at it, and a dot file.
 */
export function makeDzoneFolder(): { root: string; site: string; secret: string } {
  const root = mkdtempSync(join(tmpdir(), "dback-site-"));
  const site = join(root, "site");
  for (const [path, content] of Object.entries(dzoneFiles)) {
    mkdirSync(dirname(join(site, path)), { recursive: true });
    writeFileSync(join(site, path), content);
  }
  writeFileSync(join(site, ".env"), "TOKEN=TOPSECRET-dotfile");
  const secret = join(root, "secret.txt");
  writeFileSync(secret, "TOPSECRET-outside");
  symlinkSync(secret, join(site, "img", "leak.png"));
  symlinkSync(root, join(site, "up"));
  return { root, site, secret };
}

/**
 * For the tests of one `describe` block: a server on a fresh `makeDzoneFolder()`,
 * started before them and stopped (the folder removed) after them.
 */
export function servedDzoneFolder(): { server: Server; folder: ReturnType<typeof makeDzoneFolder> } {
  const served = {} as { server: Server; folder: ReturnType<typeof makeDzoneFolder> };
  before(async () => {
    served.folder = makeDzoneFolder();
    served.server = await startServer({ staticDir: served.folder.site });
  });
  after(async () => {
    await served.server.stop();
    rmSync(served.folder.root, { recursive: true, force: true });
  });
  return served;
}
