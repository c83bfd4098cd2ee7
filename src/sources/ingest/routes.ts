import * as v from "valibot";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { WSContext } from "hono/ws";
import type { State } from "../../state/state.ts";
import { type Writes, WritesUnavailableError } from "../../state/writes.ts";
import type { Logger } from "../../log.ts";
import type { RepeatedLines } from "../../log-repeats.ts";
import { problem, type Problem } from "../../protocol/issues.ts";
import { readJsonFrame } from "../../protocol/inbound.ts";
import { secretEquals } from "../../secret.ts";
import { Event, EventList, PutGuild } from "./schemas.ts";
import { applyEvent } from "./apply.ts";
import { conflicts } from "./conflicts.ts";
import type { IngestGuilds } from "./source.ts";
import { type Meter, noMeter } from "../../metrics/meter.ts";
import type { Upgrade } from "../../runtime/types.ts";

export interface IngestOptions {
  /** The bearer token producers must send. */
  token: string;
  /** Largest accepted request body, in bytes. */
  maxBytes: number;
  /** What the routes read (guilds, member counts). */
  state: State;
  /** Where they write: `state` itself, or the cluster bus. */
  writes: Writes;
  /** The guild list: the ingest source's own, or in a cluster the shared one. */
  source: IngestGuilds;
  upgradeWebSocket: Upgrade;
  log: Logger;
  /** Counts requests by status and events by type. */
  meter?: Meter;
  /** The peer's address, by which refusals are counted. */
  remoteAddress: (c: Context) => string;
  /** Where refused requests are logged: the first per address at once, the rest counted. */
  refused: RepeatedLines;
}

type Fail = { status: 400 | 404; error: string; issues?: Problem[] };

const fail = (c: Context, f: Fail) => c.json({ error: f.error, ...(f.issues ? { issues: f.issues } : {}) }, f.status);

/** Reads a JSON body, or says why it is not one. */
async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; fail: Fail }> {
  try {
    return { ok: true, value: JSON.parse(await c.req.text()) };
  } catch {
    return { ok: false, fail: { status: 400, error: "the body is not valid JSON" } };
  }
}

/** Events whose guild state does not know, as problems (`3.server`, or `server` for a lone event). */
function unknownGuilds(state: State, events: readonly Event[], batch: boolean): Problem[] {
  const out: Problem[] = [];
  events.forEach((event, i) => {
    if (!state.get(event.server)) out.push({ path: batch ? `${i}.server` : "server", message: `no guild ${event.server}` });
  });
  return out;
}

/**
 * Waits until the writes just made are where every instance sees them; a
 * cluster store that cannot take them is answered with 503, so the producer
 * knows nothing was acknowledged and sends again.
 */
async function committed(c: Context, writes: Writes): Promise<Response | undefined> {
  try {
    await writes.committed?.();
    return undefined;
  } catch (error) {
    if (!(error instanceof WritesUnavailableError)) throw error;
    return c.json({ error: `not stored: ${error.message}; send it again` }, 503, { "Retry-After": "1" });
  }
}

/** The ingest API, mounted at /api/ingest: producers in other processes feed guilds and events. */
export function ingestRoutes(o: IngestOptions): Hono {
  const app = new Hono();
  const meter = o.meter ?? noMeter;
  app.use("*", async (c, next) => {
    await next();
    meter.ingest(c.res.status);
  });

  const auth: MiddlewareHandler = async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match || !secretEquals(match[1]!, o.token)) {
      o.refused.note(o.remoteAddress(c), { method: c.req.method, path: c.req.path });
      return c.json(
        { error: "unauthorized: send Authorization: Bearer <ingest token>" },
        401,
        { "WWW-Authenticate": 'Bearer realm="d-back ingest"' },
      );
    }
    await next();
  };
  app.use("*", auth);
  // Refusals leave a trace at debug (the producer got the reason in the body); the body is never logged.
  app.use("*", async (c, next) => {
    await next();
    if (c.res.status !== 400 && c.res.status !== 413) return;
    const reply = await c.res.clone().json().catch(() => ({})) as { error?: string; issues?: Problem[] };
    const first = reply.issues?.[0];
    o.log.debug("ingest request refused", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      error: reply.error,
      ...(first ? { issue: `${first.path || "body"}: ${first.message}`, issues: reply.issues!.length } : {}),
    });
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: o.maxBytes,
      onError: (c) => c.json({ error: `the body is larger than ${o.maxBytes} bytes (--ingest-max-bytes)` }, 413),
    }),
  );

  app.get("/servers", (c) => {
    const servers = o.source.servers().map((info) => {
      const guild = o.state.get(info.guildId);
      return {
        guildId: info.guildId,
        id: info.id,
        name: info.name,
        default: info.default,
        passworded: info.passworded,
        ...(guild?.ownClientId ? { clientId: guild.ownClientId } : {}),
        members: guild?.memberCount ?? 0,
      };
    });
    return c.json({ servers });
  });

  app.put("/servers/:guildId", async (c) => {
    const guildId = c.req.param("guildId");
    if (!/^[\w-]{1,64}$/.test(guildId)) return fail(c, { status: 400, error: "the guild id in the path must be 1 to 64 letters, digits, - or _" });
    const body = await readJson(c);
    if (!body.ok) return fail(c, body.fail);
    if (typeof body.value !== "object" || body.value === null || Array.isArray(body.value)) {
      return fail(c, { status: 400, error: "invalid guild", issues: [{ path: "", message: "must be a JSON object" }] });
    }
    const parsed = v.safeParse(PutGuild, body.value);
    if (!parsed.success) return fail(c, { status: 400, error: "invalid guild", issues: parsed.issues.slice(0, 20).map(problem) });
    const { users, ...entry } = parsed.output;
    const info = { ...entry, guildId };
    const clash = conflicts(o.source.servers(), info);
    if (clash.length) return fail(c, { status: 400, error: "conflicting guild", issues: clash });
    const created = o.source.put(info);
    o.writes.putGuild(info, users);
    const refused = await committed(c, o.writes);
    if (refused) return refused;
    o.log.info("ingest guild put", { guild: guildId, members: Object.keys(users).length, created });
    return c.json({ ok: true, guildId, created, members: Object.keys(users).length }, created ? 201 : 200);
  });

  app.delete("/servers/:guildId", async (c) => {
    const guildId = c.req.param("guildId");
    if (!o.source.remove(guildId)) return fail(c, { status: 404, error: `no guild ${guildId}` });
    o.writes.removeGuild(guildId);
    const refused = await committed(c, o.writes);
    if (refused) return refused;
    o.log.info("ingest guild deleted", { guild: guildId });
    return c.json({ ok: true, guildId });
  });

  app.post("/events", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return fail(c, body.fail);
    const batch = Array.isArray(body.value);
    const parsed = batch ? v.safeParse(EventList, body.value) : v.safeParse(Event, body.value);
    if (!parsed.success) return fail(c, { status: 400, error: "invalid event", issues: parsed.issues.slice(0, 20).map(problem) });
    const events: Event[] = batch ? parsed.output as Event[] : [parsed.output as Event];
    // All or nothing: every guild must exist before the first event is applied.
    const missing = unknownGuilds(o.state, events, batch);
    if (missing.length) return fail(c, { status: 404, error: "unknown guild", issues: missing.slice(0, 20) });
    for (const event of events) applyEvent(o.writes, event, meter);
    const refused = await committed(c, o.writes);
    if (refused) return refused;
    return c.json({ ok: true, applied: events.length });
  });

  const socket = o.upgradeWebSocket(() => ({
    onMessage: (event, ws) => receive(event.data as string | ArrayBuffer, ws),
  }));
  const receive = (data: string | ArrayBuffer, ws: WSContext) => {
    const reply = (message: string, index?: number) =>
      ws.send(JSON.stringify({ type: "error", data: index === undefined ? { message } : { index, message } }));
    const json = readJsonFrame(data);
    if (!json.ok) return reply(json.error);
    // Each event stands alone here: good ones are applied, each bad one is answered by its index.
    const items = Array.isArray(json.value) ? json.value : [json.value];
    items.forEach((item, index) => {
      const parsed = v.safeParse(Event, item);
      if (!parsed.success) {
        const p = problem(parsed.issues[0]);
        return reply(`${p.path || "event"} ${p.message}`, index);
      }
      if (!applyEvent(o.writes, parsed.output, meter)) reply(`server: no guild ${parsed.output.server}`, index);
    });
    // In a cluster, a frame whose events could not be stored is answered once, without an index.
    o.writes.stored?.().catch((error: Error) => reply(`not stored: ${error.message}; send it again`));
  };
  app.get("/", socket, (c) => c.json({ error: "this is the ingest WebSocket: connect with Upgrade: websocket" }, 426));

  app.all("*", (c) => c.json({ error: "no such ingest route" }, 404));
  return app;
}

/** Every ingest path answers 404 while the ingest API is off. */
export function ingestOff(): Hono {
  const app = new Hono();
  app.all("*", (c) => c.json({ error: "the ingest API is off: start d-back with --ingest-token" }, 404));
  return app;
}
