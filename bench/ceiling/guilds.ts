/**
 * The bookkeeping both ceiling servers share: guilds put by the producer,
 * each with its `server-join` frame built once at put time, and events turned
 * into (guild, frame) pairs. No validation, no state beyond that: the ceiling
 * is the least server that does d-back's job, so d-back can be measured
 * against it.
 */

interface CeilingGuild {
  guildId: string;
  id: string;
  /** The whole `server-join` frame, prebuilt. */
  join: string;
}

const guilds = new Map<string, CeilingGuild>();
const byId = new Map<string, CeilingGuild>();
let list = '{"type":"server-list","data":{}}';

export const unknownServer = JSON.stringify({ type: "error", data: { message: "Sorry, couldn't connect to that Discord server." } });

export const serverList = (): string => list;

/** `PUT /api/ingest/servers/:guildId` with `{ id, name, users }`. */
export function putGuild(guildId: string, body: string): void {
  const { id, name, users } = JSON.parse(body) as { id: string; name: string; users: unknown };
  const join = `{"type":"server-join","data":{"users":${JSON.stringify(users)},"request":{"server":${
    JSON.stringify(id)
  }},"serverName":${JSON.stringify(name)}}}`;
  const guild = { guildId, id, join };
  guilds.set(guildId, guild);
  byId.set(id, guild);
  const data: Record<string, unknown> = {};
  let first = true;
  for (const g of guilds.values()) {
    data[g.guildId] = { id: g.id, name: g.id, default: first, passworded: false };
    first = false;
  }
  list = JSON.stringify({ type: "server-list", data });
}

/** The guild a viewer's `connect` names (by short id). */
export function connectTo(frame: string): CeilingGuild | undefined {
  const server = (JSON.parse(frame) as { data?: { server?: unknown } }).data?.server;
  return byId.get(String(server));
}

/** One ingest frame (an event or an array of them) as (guild, serialized event) pairs. */
export function events(frame: string): [string, string][] {
  const value = JSON.parse(frame) as { server: string } | { server: string }[];
  return (Array.isArray(value) ? value : [value]).map((e) => [e.server, JSON.stringify(e)]);
}

const types: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json",
  png: "image/png",
  ico: "image/x-icon",
};

/** The file a static GET names under `dir`, or undefined for a path that tries to leave it. */
export function staticFile(dir: string, pathname: string): { file: string; type: string } | undefined {
  if (pathname.includes("..")) return undefined;
  const rel = pathname === "/" ? "/index.html" : pathname;
  return { file: dir + rel, type: types[rel.slice(rel.lastIndexOf(".") + 1)] ?? "application/octet-stream" };
}

/** `--port N --static-dir DIR` from the command line. */
export function ceilingArgs(argv: string[]): { port: number; staticDir: string } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { port: Number(get("--port") ?? 0), staticDir: get("--static-dir") ?? "." };
}
