/**
 * What the benchmark serves: a guild of N generated members (the size of
 * real ones, about 110 bytes each in `server-join`), and a folder shaped like
 * a d-zone build with files of d-zone 0.1.7's sizes, filled with our own text.
 */
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

export const GUILD_ID = "900000000000000001";
export const SHORT_ID = "bench";
export const TOKEN = "bench-ingest-token-0123456789abcdef";

const statuses = ["online", "idle", "dnd", "offline"] as const;

export function members(n: number): Record<string, { uid: string; username: string; status: string; roleColor: string }> {
  const out: Record<string, { uid: string; username: string; status: string; roleColor: string }> = {};
  for (let i = 0; i < n; i++) {
    const uid = String(300000000000000000n + BigInt(i) * 7919n);
    out[uid] = {
      uid,
      username: `member-${i.toString(36)}-${"abcdefgh".slice(0, i % 8)}`,
      status: statuses[i % 4]!,
      roleColor: `#${((i * 2654435761) % 0xffffff).toString(16).padStart(6, "0")}`,
    };
  }
  return out;
}

/** The uid of member 0, who says every benchmark message. */
export const speaker = (): string => Object.keys(members(1))[0]!;

/** PUTs the benchmark guild into a server (d-back or a ceiling) through the ingest API. */
export async function putGuild(base: string, n: number): Promise<void> {
  const body = JSON.stringify({ id: SHORT_ID, name: "Bench Guild", default: true, users: members(n) });
  const res = await fetch(`${base}/api/ingest/servers/${GUILD_ID}`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body,
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201) throw new Error(`PUT guild of ${n} members: ${res.status} ${text.slice(0, 300)}`);
}

/** A d-zone-shaped folder in a temporary directory. */
export function makeSite(): string {
  const site = mkdtempSync(join(tmpdir(), "dback-bench-site-"));
  for (const dir of ["css", "img", "static"]) mkdirSync(join(site, dir), { recursive: true });
  const text = (bytes: number, line: string) => line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
  writeFileSync(join(site, "index.html"), text(422, "<!doctype html><title>bench page</title><script src=\"static/bundle.js\"></script>\n"));
  writeFileSync(join(site, "discord-callback.html"), text(2877, "<!-- bench callback page -->\n"));
  writeFileSync(join(site, "css", "main.css"), text(1500, "body { margin: 0; background: #000 }\n"));
  writeFileSync(join(site, "static", "bundle.js"), text(123_910, "function benchFiller(n) { return n * 2 + 1; }\n"));
  writeFileSync(join(site, "static", "bundle.js.map"), text(465_367, '{"version":3,"mappings":"AAAA;AACA"}\n'));
  writeFileSync(join(site, "img", "static-tiles.png"), new Uint8Array(10_620));
  writeFileSync(join(site, "favicon.ico"), new Uint8Array(1078));
  return site;
}

/** The URL path and size of the largest file in a folder (dot files skipped). */
export function largestFile(dir: string): { path: string; bytes: number } {
  let best = { path: "/", bytes: -1 };
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name.startsWith(".")) continue;
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.size > best.bytes) best = { path: "/" + relative(dir, full).split("\\").join("/"), bytes: st.size };
    }
  };
  walk(dir);
  return best;
}
