import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A small folder shaped like a d-zone build (our own stand-in files, never
 * d-zone's), next to a secret file that must never be served, and with a
 * symlink inside that points at it.
 */
export function makeDzoneFolder(): { root: string; site: string; secret: string } {
  const root = mkdtempSync(join(tmpdir(), "dback-site-"));
  const site = join(root, "site");
  for (const dir of ["css", "img", "static"]) mkdirSync(join(site, dir), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html><title>stand-in d-zone</title><script src=\"static/bundle.js\"></script>");
  writeFileSync(join(site, "discord-callback.html"), "<!doctype html><title>callback</title>");
  writeFileSync(join(site, "css", "main.css"), "body { margin: 0 }");
  writeFileSync(join(site, "static", "bundle.js"), "console.log('stand-in bundle');");
  writeFileSync(join(site, "static", "bundle.js.map"), '{"version":3}');
  writeFileSync(join(site, "img", "actors.png"), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
  writeFileSync(join(site, "favicon.ico"), new Uint8Array([0, 0, 1, 0]));
  writeFileSync(join(site, ".env"), "TOKEN=TOPSECRET-dotfile");
  const secret = join(root, "secret.txt");
  writeFileSync(secret, "TOPSECRET-outside");
  symlinkSync(secret, join(site, "img", "leak.png"));
  symlinkSync(root, join(site, "up"));
  return { root, site, secret };
}
