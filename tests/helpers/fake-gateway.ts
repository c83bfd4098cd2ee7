import { FakeDiscord } from "./fake-discord.ts";
import { WsPeer, WsServer } from "./ws-server.ts";

/**
 * A fake Discord for a bot: the REST calls a gateway client makes
 * (`/gateway/bot`, `/applications/@me`, `/users/@me`) and a gateway speaking
 * Discord's protocol on 127.0.0.1 (HELLO, heartbeats and ACKs, IDENTIFY →
 * READY and GUILD_CREATEs, op 8 → GUILD_MEMBERS_CHUNKs, RESUME → replay and
 * RESUMED, op 7, op 9, close codes). It holds a small world (guilds, roles,
 * members, presences); the test changes it through methods that also
 * dispatch the matching event, so a new session always sees the truth and a
 * resumed one gets exactly the events it missed.
 */

export interface FakeUser {
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
}
export interface FakeMember {
  user: FakeUser;
  nick?: string | null;
  roles: string[];
}
export interface FakeRole {
  id: string;
  name: string;
  color: number;
  position: number;
}
export type FakeStatus = "online" | "idle" | "dnd" | "offline" | "invisible";
export interface FakeGuildInit {
  id: string;
  name: string;
  roles?: FakeRole[];
  members?: FakeMember[];
  /** Status by user id; absent means offline. */
  presences?: Record<string, FakeStatus>;
  channels?: { id: string; name: string }[];
}
interface FakeGuild {
  id: string;
  name: string;
  roles: Map<string, FakeRole>;
  members: Map<string, FakeMember>;
  presences: Map<string, FakeStatus>;
  channels: { id: string; name: string }[];
}

export interface FakeGatewayOptions {
  token: string;
  applicationId?: string;
  botId?: string;
  /** The application's flags (`GET /applications/@me`); default: every privileged intent switched on. */
  flags?: number;
  /** The heartbeat interval sent in HELLO, in ms. */
  heartbeatMs?: number;
  /** Guilds with more members than this are "large": GUILD_CREATE carries only those online. */
  largeThreshold?: number;
  /** Members per GUILD_MEMBERS_CHUNK. */
  chunkSize?: number;
}

interface Session {
  id: string;
  seq: number;
  log: { s: number; t: string; d: unknown }[];
  peer: WsPeer | undefined;
}

/** Every privileged intent switched on: presence, server members, message content (not limited). */
export const ALL_INTENT_FLAGS = (1 << 12) | (1 << 14) | (1 << 18);
const PRIVILEGED: [number, number, string][] = [[1 << 8, (1 << 12) | (1 << 13), "presence"], [1 << 1, (1 << 14) | (1 << 15), "members"], [
  1 << 15,
  (1 << 18) | (1 << 19),
  "content",
]];

export class FakeGateway {
  readonly rest: FakeDiscord;
  readonly ws: WsServer;
  readonly options: Required<FakeGatewayOptions>;
  readonly guilds = new Map<string, FakeGuild>();
  /** What clients sent: every payload, in order, with the connection it came on. */
  readonly received: { conn: number; op: number; d: unknown; at: number }[] = [];
  /** The next op 8 is answered with RATE_LIMITED and this retry_after (seconds). */
  rateLimitNext: number | undefined;
  /** Answers to op 8 send only this many chunks; the rest wait in `heldChunks` until `releaseChunks()` (members still loading). */
  holdChunksAfter: number | undefined;
  readonly heldChunks: unknown[] = [];
  #sessions = new Map<string, Session>();
  #current: Session | undefined;
  #conns = 0;
  #quiet = false;
  /** Close every IDENTIFY with this code (4004: a token reset since /gateway/bot was asked). */
  closeOnIdentify: number | undefined;
  /** The connection that no longer answers heartbeats (a zombie). */
  #zombie = 0;

  private constructor(rest: FakeDiscord, ws: WsServer, options: FakeGatewayOptions) {
    this.rest = rest;
    this.ws = ws;
    this.options = {
      applicationId: "900000000000000001",
      botId: "900000000000000002",
      flags: ALL_INTENT_FLAGS,
      heartbeatMs: 250,
      largeThreshold: 50,
      chunkSize: 1000,
      ...options,
    };
  }

  static async start(options: FakeGatewayOptions): Promise<FakeGateway> {
    const rest = await FakeDiscord.start();
    let fake: FakeGateway;
    const ws = await WsServer.start((peer) => fake.#connected(peer));
    fake = new FakeGateway(rest, ws, options);
    const bot = (auth: string) => auth === `Bot ${fake.options.token}`;
    const unauthorized = { status: 401, body: { message: "401: Unauthorized", code: 0 } };
    rest.route("GET", "/gateway/bot", (auth) =>
      bot(auth)
        ? {
          body: {
            url: `ws://127.0.0.1:${ws.port}`,
            shards: 1,
            session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
          },
        }
        : unauthorized);
    rest.route("GET", "/applications/@me", (auth) =>
      bot(auth) ? { body: { id: fake.options.applicationId, name: "d-back test", flags: fake.options.flags, bot_public: true } } : unauthorized);
    return fake;
  }

  /** The base to give d-back (`--discord-api-base`). */
  get apiBase(): string {
    return this.rest.url;
  }

  /** Payloads of op `op` received so far. */
  sent(op: number): unknown[] {
    return this.received.filter((r) => r.op === op).map((r) => r.d);
  }

  /** Whether a client is connected and identified or resumed. */
  get live(): boolean {
    return !!this.#current?.peer?.open;
  }

  async close(): Promise<void> {
    await this.ws.close();
    await this.rest.close();
  }

  // ── the world ───────────────────────────────────────────────────────────

  /** Puts a guild in the world; the bot is in it from the next session on (`join` also tells the live one). */
  addGuild(init: FakeGuildInit): this {
    this.guilds.set(init.id, {
      id: init.id,
      name: init.name,
      roles: new Map((init.roles ?? []).map((r) => [r.id, r])),
      members: new Map((init.members ?? []).map((m) => [m.user.id, m])),
      presences: new Map(Object.entries(init.presences ?? {})),
      channels: init.channels ?? [],
    });
    return this;
  }

  join(init: FakeGuildInit): void {
    this.addGuild(init);
    this.dispatch("GUILD_CREATE", this.#guildCreate(this.guilds.get(init.id)!));
  }

  leave(guildId: string): void {
    this.guilds.delete(guildId);
    this.dispatch("GUILD_DELETE", { id: guildId });
  }

  rename(guildId: string, name: string): void {
    const g = this.#guild(guildId);
    g.name = name;
    this.dispatch("GUILD_UPDATE", { id: guildId, name, roles: [...g.roles.values()] });
  }

  presence(guildId: string, userId: string, status: FakeStatus, activities: unknown[] = []): void {
    this.#guild(guildId).presences.set(userId, status);
    this.dispatch("PRESENCE_UPDATE", { user: { id: userId }, guild_id: guildId, status, activities, client_status: {} });
  }

  addMember(guildId: string, member: FakeMember): void {
    this.#guild(guildId).members.set(member.user.id, member);
    this.dispatch("GUILD_MEMBER_ADD", { ...member, guild_id: guildId, joined_at: new Date(0).toISOString() });
  }

  updateMember(guildId: string, userId: string, change: Partial<Omit<FakeMember, "user">> & { user?: Partial<FakeUser> }): void {
    const g = this.#guild(guildId);
    const old = g.members.get(userId)!;
    const member = { ...old, ...change, user: { ...old.user, ...change.user } };
    g.members.set(userId, member);
    this.dispatch("GUILD_MEMBER_UPDATE", { guild_id: guildId, ...member, joined_at: new Date(0).toISOString() });
  }

  removeMember(guildId: string, userId: string): void {
    const g = this.#guild(guildId);
    const member = g.members.get(userId)!;
    g.members.delete(userId);
    g.presences.delete(userId);
    this.dispatch("GUILD_MEMBER_REMOVE", { guild_id: guildId, user: member.user });
  }

  setRole(guildId: string, role: FakeRole): void {
    const g = this.#guild(guildId);
    const created = !g.roles.has(role.id);
    g.roles.set(role.id, role);
    this.dispatch(created ? "GUILD_ROLE_CREATE" : "GUILD_ROLE_UPDATE", { guild_id: guildId, role });
  }

  deleteRole(guildId: string, roleId: string): void {
    const g = this.#guild(guildId);
    g.roles.delete(roleId);
    for (const m of g.members.values()) m.roles = m.roles.filter((r) => r !== roleId);
    this.dispatch("GUILD_ROLE_DELETE", { guild_id: guildId, role_id: roleId });
  }

  message(guildId: string, authorId: string, content: string, channelId: string, extra: Record<string, unknown> = {}): void {
    const g = this.#guild(guildId);
    const member = g.members.get(authorId);
    const author = member?.user ?? { id: authorId, username: `user-${authorId}` };
    this.dispatch("MESSAGE_CREATE", {
      id: String(Date.now()),
      guild_id: guildId,
      channel_id: channelId,
      author,
      member: member ? { nick: member.nick, roles: member.roles } : undefined,
      content,
      mentions: [],
      mention_roles: [],
      ...extra,
    });
  }

  // ── the connection ──────────────────────────────────────────────────────

  /** Sends a dispatch on the current session; while disconnected it waits in the session's log for a resume. */
  dispatch(t: string, d: unknown): void {
    const session = this.#current;
    if (!session || this.#quiet) return;
    const s = ++session.seq;
    session.log.push({ s, t, d });
    session.peer?.send(JSON.stringify({ op: 0, t, s, d }));
  }

  /** Sends the member chunks `holdChunksAfter` kept back. */
  releaseChunks(): void {
    for (const d of this.heldChunks.splice(0)) this.dispatch("GUILD_MEMBERS_CHUNK", d);
  }

  /** Sends any text or payload as it is on the current connection (no sequence number added): a buggy or hostile gateway. */
  sendRaw(payload: unknown): void {
    this.#current?.peer?.send(typeof payload === "string" ? payload : JSON.stringify(payload));
  }

  /** Changes the world without telling anyone (events a client lost for good); a new session sees them. */
  quietly(change: () => void): void {
    this.#quiet = true;
    try {
      change();
    } finally {
      this.#quiet = false;
    }
  }

  /** The current connection stays open but stops answering heartbeats (a zombie); later ones answer again. */
  stopAcking(): void {
    this.#zombie = this.#conns;
  }

  /** The connection vanishes without a close frame. */
  drop(): void {
    this.#current?.peer?.drop();
  }

  /** op 7: the client should reconnect and resume. */
  reconnect(): void {
    this.#current?.peer?.send(JSON.stringify({ op: 7, d: null }));
  }

  /** op 9: the session is invalid (resumable or not). A non-resumable one is forgotten. */
  invalidate(resumable: boolean): void {
    const session = this.#current;
    if (!session) return;
    if (!resumable) this.#sessions.delete(session.id);
    session.peer?.send(JSON.stringify({ op: 9, d: resumable }));
  }

  /** Closes the current connection with `code`. */
  closeWith(code: number, reason = ""): void {
    this.#current?.peer?.close(code, reason);
  }

  #connected(peer: WsPeer): void {
    const conn = ++this.#conns;
    let session: Session | undefined;
    peer.onText = (text) => {
      const { op, d } = JSON.parse(text) as { op: number; d: any };
      this.received.push({ conn, op, d, at: Date.now() });
      if (op === 1) {
        if (conn !== this.#zombie) peer.send(JSON.stringify({ op: 11 }));
      } else if (op === 2) {
        if (d.token !== this.options.token) return peer.close(4004, "Authentication failed.");
        if (this.closeOnIdentify) return peer.close(this.closeOnIdentify, "Refused by the test.");
        if (PRIVILEGED.some(([intent, flags]) => (d.intents & intent) && !(this.options.flags & flags))) return peer.close(4014, "Disallowed intent(s).");
        session = { id: `session-${conn}`, seq: 0, log: [], peer };
        this.#sessions.set(session.id, session);
        this.#current = session;
        this.dispatch("READY", {
          v: 10,
          user: { id: this.options.botId, username: "d-back-bot", bot: true },
          guilds: [...this.guilds.keys()].map((id) => ({ id, unavailable: true })),
          session_id: session.id,
          resume_gateway_url: `ws://127.0.0.1:${this.ws.port}`,
          application: { id: this.options.applicationId, flags: this.options.flags },
        });
        for (const g of this.guilds.values()) this.dispatch("GUILD_CREATE", this.#guildCreate(g));
      } else if (op === 6) {
        const known = this.#sessions.get(d.session_id);
        if (d.token !== this.options.token) return peer.close(4004, "Authentication failed.");
        if (!known) return peer.send(JSON.stringify({ op: 9, d: false }));
        session = known;
        known.peer?.drop();
        known.peer = peer;
        this.#current = known;
        for (const e of known.log) if (e.s > d.seq) peer.send(JSON.stringify({ op: 0, ...e }));
        this.dispatch("RESUMED", {});
      } else if (op === 8) {
        this.#requestMembers(d);
      }
    };
    peer.onClose = () => {
      if (session?.peer === peer) session.peer = undefined;
    };
    peer.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.options.heartbeatMs } }));
  }

  #requestMembers(d: { guild_id: string; nonce?: string; presences?: boolean }): void {
    if (this.rateLimitNext !== undefined) {
      const retry_after = this.rateLimitNext;
      this.rateLimitNext = undefined;
      return this.dispatch("RATE_LIMITED", { opcode: 8, retry_after, meta: { guild_id: d.guild_id, nonce: d.nonce } });
    }
    const g = this.guilds.get(d.guild_id);
    if (!g) return;
    const members = [...g.members.values()];
    const size = this.options.chunkSize;
    const count = Math.max(1, Math.ceil(members.length / size));
    for (let i = 0; i < count; i++) {
      const part = members.slice(i * size, (i + 1) * size);
      const chunk = {
        guild_id: g.id,
        members: part,
        chunk_index: i,
        chunk_count: count,
        nonce: d.nonce,
        ...(d.presences ? { presences: this.#presences(g, part.map((m) => m.user.id)) } : {}),
      };
      if (this.holdChunksAfter !== undefined && i >= this.holdChunksAfter) this.heldChunks.push(chunk);
      else this.dispatch("GUILD_MEMBERS_CHUNK", chunk);
    }
  }

  #presences(g: FakeGuild, ids: string[]) {
    return ids.filter((id) => (g.presences.get(id) ?? "offline") !== "offline").map((id) => ({
      user: { id },
      status: g.presences.get(id),
      activities: [],
      client_status: {},
    }));
  }

  /** The GUILD_CREATE a new session would get for this guild now. */
  guildCreate(guildId: string) {
    return this.#guildCreate(this.#guild(guildId));
  }

  #guildCreate(g: FakeGuild) {
    const all = [...g.members.values()];
    const large = all.length > this.options.largeThreshold;
    const members = large ? all.filter((m) => (g.presences.get(m.user.id) ?? "offline") !== "offline") : all;
    return {
      id: g.id,
      name: g.name,
      large,
      member_count: all.length,
      unavailable: false,
      roles: [{ id: g.id, name: "@everyone", color: 0, position: 0 }, ...g.roles.values()],
      members,
      presences: this.#presences(g, members.map((m) => m.user.id)),
      channels: g.channels.map((c) => ({ ...c, type: 0 })),
      threads: [],
    };
  }

  #guild(id: string): FakeGuild {
    const g = this.guilds.get(id);
    if (!g) throw new Error(`the fake has no guild ${id}`);
    return g;
  }
}
