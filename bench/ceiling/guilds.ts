/**
 * The bookkeeping both ceiling servers share: guilds put by the producer,
 * each with its `server-join` frame built once and again only after a
 * presence changed a member, and events turned into (guild, frame) pairs.
 * No validation, no state beyond that: the ceiling is the least server that
 * does d-back's job, so d-back can be measured against it.
 */

type Member = Record<string, unknown>;

interface CeilingGuild {
  guildId: string;
  id: string;
  name: string;
  users: Record<string, Member>;
  /** The whole `server-join` frame; undefined after a change, until the next join. */
  join: string | undefined;
}

const joinFrame = (g: CeilingGuild) =>
  `{"type":"server-join","data":{"users":${JSON.stringify(g.users)},"request":{"server":${JSON.stringify(g.id)}},"serverName":${
    JSON.stringify(g.name)
  }}}`;

const guilds = new Map<string, CeilingGuild>();
const byId = new Map<string, CeilingGuild>();
let list = '{"type":"server-list","data":{}}';

export const unknownServer = JSON.stringify({ type: "error", data: { message: "Sorry, couldn't connect to that Discord server." } });

export const serverList = (): string => list;

/** `PUT /api/ingest/servers/:guildId` with `{ id, name, users }`. */
export function putGuild(guildId: string, body: string): void {
  const { id, name, users } = JSON.parse(body) as { id: string; name: string; users: Record<string, Member> };
  const guild: CeilingGuild = { guildId, id, name, users, join: undefined };
  guild.join = joinFrame(guild);
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

/** The guild a viewer's `connect` names (by short id), and its join frame. */
export function connectTo(frame: string): { guildId: string; join: string } | undefined {
  const server = (JSON.parse(frame) as { data?: { server?: unknown } }).data?.server;
  const guild = byId.get(String(server));
  return guild && { guildId: guild.guildId, join: guild.join ??= joinFrame(guild) };
}

interface Event {
  type: string;
  server: string;
  data: Member & { uid: string; delete?: boolean };
}

/** A presence changes the member (so the next join is current); a message changes nothing. */
function apply(e: Event): void {
  const guild = e.type === "presence" ? guilds.get(e.server) : undefined;
  if (!guild) return;
  const { delete: gone, ...fields } = e.data;
  if (gone) delete guild.users[e.data.uid];
  else guild.users[e.data.uid] = { ...guild.users[e.data.uid], ...fields };
  guild.join = undefined;
}

/** One ingest frame (an event or an array of them) as (guild, serialized event) pairs. */
export function events(frame: string): [string, string][] {
  const value = JSON.parse(frame) as Event | Event[];
  return (Array.isArray(value) ? value : [value]).map((e) => {
    apply(e);
    return [e.server, JSON.stringify(e)];
  });
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
