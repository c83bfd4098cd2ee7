/**
 * The site an executable carries: a d-zone build read from a folder or an
 * archive, checked for d-zone's shape, and told apart from the pinned release.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isRootPath } from "../src/http/safe-path.ts";
import { archiveKind, type Entry, readArchive } from "./archive.ts";
import { BuildError } from "./errors.ts";
import { type Pin, sha256Hex } from "./dzone-pin.ts";

export interface Site {
  /** For the start-up log line: `embedded d-zone 0.1.7`, `embedded d-zone build (site.zip)`, … */
  description: string;
  files: Map<string, Uint8Array>;
  /** What was left out and why: links, dot files, names no request can reach. */
  skipped: string[];
}

/** The files d-zone cannot run without; their presence is what makes a folder a d-zone build. */
export const DZONE_MARKERS = ["index.html", "static/bundle.js"] as const;

/** Every entry of a folder, recursively, links reported as links (never followed). */
function walk(root: string, prefix = ""): Entry[] {
  const entries: Entry[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const path = prefix ? `${prefix}/${name}` : name;
    const info = lstatSync(join(root, path));
    if (info.isSymbolicLink()) entries.push({ path, kind: "link", bytes: new Uint8Array() });
    else if (info.isDirectory()) entries.push({ path, kind: "folder", bytes: new Uint8Array() }, ...walk(root, path));
    else if (info.isFile()) entries.push({ path, kind: "file", bytes: new Uint8Array(readFileSync(join(root, path))) });
    else entries.push({ path, kind: "other", bytes: new Uint8Array() });
  }
  return entries;
}

/**
 * Keeps the regular files a request can reach. Links are left out (a link in
 * a build could point anywhere on the build machine), and so is anything under
 * a dot name, which d-back never serves (`static/.keep`, `.DS_Store`, `.git/`).
 */
function keep(entries: Entry[]): { files: Map<string, Uint8Array>; skipped: string[] } {
  const files = new Map<string, Uint8Array>();
  const skipped: string[] = [];
  for (const entry of entries) {
    if (entry.kind === "folder" || entry.path === "") continue;
    if (entry.path.split("/").some((segment) => segment.startsWith(".")) || entry.path.startsWith("__MACOSX/")) continue;
    if (entry.kind === "link") skipped.push(`${entry.path} (a link)`);
    else if (entry.kind !== "file") skipped.push(`${entry.path} (not a regular file)`);
    else if (!isRootPath(entry.path)) skipped.push(`${entry.path} (no request can name it)`);
    else files.set(entry.path, entry.bytes);
  }
  return { files, skipped };
}

/** A build packed inside one top folder (`d-zone/index.html`, …) is read from that folder. */
function unwrap(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  if (files.has("index.html")) return files;
  const tops = new Set([...files.keys()].map((path) => path.split("/")[0]));
  if (tops.size !== 1) return files;
  const top = `${[...tops][0]}/`;
  return new Map([...files].map(([path, bytes]) => [path.slice(top.length), bytes]));
}

/** Whether these are exactly the pinned release's files, byte for byte. */
export function matchesPin(files: ReadonlyMap<string, Uint8Array>, pin: Pin): boolean {
  const pinned = Object.entries(pin.files);
  return files.size === pinned.length && pinned.every(([path, hash]) => {
    const bytes = files.get(path);
    return bytes !== undefined && sha256Hex(bytes) === hash;
  });
}

/** A d-zone build from a folder or a .tar.gz/.tgz/.tar/.zip of one; refuses anything else with a `BuildError`. */
export function readDzone(path: string, pin: Pin): Site {
  let info;
  try {
    info = lstatSync(path);
  } catch {
    throw new BuildError(`--dzone ${path}: no such file or folder`);
  }
  let entries: Entry[];
  if (info.isDirectory()) entries = walk(path);
  else if (info.isFile() && archiveKind(path)) entries = readArchive(path, new Uint8Array(readFileSync(path)));
  else throw new BuildError(`--dzone ${path}: must be a folder, or a .tar.gz, .tgz, .tar or .zip file`);

  const kept = keep(entries);
  const files = unwrap(kept.files);
  const missing = DZONE_MARKERS.filter((marker) => !files.has(marker));
  if (missing.length) {
    throw new BuildError(`--dzone ${path}: not a d-zone build (no ${missing.join(" or ")} at its top, nor in a single folder inside)`);
  }
  const description = matchesPin(files, pin)
    ? `embedded d-zone ${pin.version}`
    : `embedded d-zone build (${basename(path)})`;
  return { description, files, skipped: kept.skipped };
}
