import type * as v from "valibot";
import type { DiscordSource } from "./source.ts";
import { type Roster, toStatus } from "./roster.ts";
import { renderMessage } from "./render.ts";
import { inviteUrl } from "./invite.ts";
import * as S from "./schemas.ts";

/**
 * What each gateway dispatch does to the guilds d-back shows. Handlers run in
 * dispatch order and synchronously, so viewers get events in the order
 * Discord sent them. A payload that lacks what a handler reads is dropped
 * (`BadPayload`, logged by the source); bad items of its lists are left out
 * and reported, the rest is applied.
 */
export function applyDispatch(source: DiscordSource, t: string, d: unknown): void {
  const handler = handlers[t];
  if (handler) handler(source, d);
}

type Handler = (source: DiscordSource, d: unknown) => void;

/** A dispatch whose `d` lacks what its handler reads; the message says where, never what came. */
export class BadPayload extends Error {
  override name = "BadPayload";
}

function read<S extends v.GenericSchema>(source: DiscordSource, schema: S, d: unknown, t: string): v.InferOutput<S> {
  const { output, problem, skipped } = S.readDispatch(schema, d);
  if (problem !== undefined) throw new BadPayload(problem);
  if (skipped.length) source.itemsLeftOut(t, skipped);
  return output as v.InferOutput<S>;
}

/** Runs a change on a complete guild's roster and sends the presences it makes. */
function change(source: DiscordSource, guildId: string, uids: Iterable<string>, fn: (roster: Roster) => void): void {
  const roster = source.rosters.get(guildId);
  if (!roster) return;
  source.emit(guildId, roster.track(uids, () => fn(roster)));
}

/** Statuses from presences; members of `members` (a chunk's) without a presence are offline. */
function applyPresences(roster: Roster, presences: S.Presence[], members: S.Member[] = []): void {
  for (const m of members) roster.statuses.set(m.user.id, "offline");
  for (const p of presences) roster.statuses.set(p.user.id, toStatus(p.status));
}

const handlers: Record<string, Handler> = {
  READY(source, d) {
    const ready = read(source, S.Ready, d, "READY");
    source.applicationId = ready.application.id;
    source.gateway.applicationId = ready.application.id;
    const named = ready.guilds.map((g) => g.id).filter((id) => source.allowed(id));
    const again = source.sawReady;
    source.sawReady = true;
    // A new session: every guild is settled again from its GUILD_CREATE (reconcile); the ones READY
    // no longer names were left while d-back was away.
    source.requests.reset();
    source.complete.clear();
    source.loadedLogged = false;
    source.expect(named);
    for (const id of [...source.rosters.keys()]) if (!source.expected.has(id)) source.drop(id);
    source.log.info(again ? "discord session renewed" : "discord ready", {
      bot: ready.user.username,
      application: ready.application.id,
      guilds: named.length,
    });
    if (ready.guilds.length === 0 && !source.inviteLogged) {
      source.inviteLogged = true;
      source.log.info("the bot is in no guild yet: open this URL to add it to one", { url: inviteUrl(ready.application.id) });
    }
    // An allow-list naming guilds the bot is not in (a typo, or never invited) would otherwise just show less, or nothing.
    const absent = again ? [] : (source.settings.only ?? []).filter((id) => !ready.guilds.some((g) => g.id === id));
    if (absent.length) {
      source.log.warn("discord.only in the config file names guilds the bot is not in: check the ids, or add the bot with the URL", {
        guilds: absent.join(","),
        url: inviteUrl(ready.application.id),
      });
    }
    source.publishAll();
  },

  GUILD_CREATE(source, d) {
    const g = read(source, S.GuildCreate, d, "GUILD_CREATE");
    if (g.unavailable || !source.allowed(g.id)) return;
    // Not one READY named, nor one shown: the bot was just added to it.
    if (!source.expected.delete(g.id) && !source.rosters.has(g.id)) source.log.info("discord guild joined", { guild: g.id, name: g.name });
    // A large guild's GUILD_CREATE carries only some members: ask for all, and settle when they are in.
    const large = g.large === true || (g.member_count !== undefined && g.member_count > g.members.length);
    const known = source.rosters.get(g.id);
    if (large && known && (source.complete.has(g.id) || source.requests.active(g.id))) {
      // The same guild again in this session (a gateway may repeat it): what is loaded, or loading, stays.
      // Starting over would throw the members away and wait out the request interval again, each time.
      change(source, g.id, [...known.members.keys(), ...g.members.map((m) => m.user.id)], (r) => fillRoster(r, g));
      if (known.name !== g.name) {
        known.name = g.name;
        source.show(g.id, g.name);
      }
      return;
    }
    const roster = source.roster(g.id, g.name);
    fillRoster(roster, g);
    source.rosters.set(g.id, roster);
    source.complete.delete(g.id);
    source.show(g.id, g.name);
    if (large) source.requests.request(g.id);
    else source.settle(g.id);
  },

  GUILD_MEMBERS_CHUNK(source, d) {
    const chunk = read(source, S.MembersChunk, d, "GUILD_MEMBERS_CHUNK");
    const roster = source.rosters.get(chunk.guild_id);
    if (!roster) return;
    const progress = source.requests.chunk(chunk.guild_id, chunk.nonce, chunk.chunk_index, chunk.chunk_count);
    if (progress === "stale") return;
    for (const member of chunk.members) roster.setMember(member);
    applyPresences(roster, chunk.presences, chunk.members);
    if (progress === "done") source.settle(chunk.guild_id);
  },

  RATE_LIMITED(source, d) {
    const limited = read(source, S.RateLimited, d, "RATE_LIMITED");
    const guildId = limited.meta.guild_id;
    if (limited.opcode !== 8 || !guildId || !source.rosters.has(guildId)) return;
    source.log.info("discord member request rate limited", { guild: guildId, retryAfter: limited.retry_after });
    source.requests.rateLimited(guildId, limited.retry_after);
  },

  GUILD_UPDATE(source, d) {
    const g = read(source, S.GuildUpdate, d, "GUILD_UPDATE");
    const roster = source.rosters.get(g.id);
    if (!roster) return;
    if (g.roles) {
      const roles = g.roles;
      change(source, g.id, [...roster.members.keys()], (r) => {
        r.roles.clear();
        for (const role of roles) r.setRole(role);
      });
    }
    if (roster.name !== g.name) {
      roster.name = g.name;
      source.show(g.id, g.name);
    }
  },

  GUILD_DELETE(source, d) {
    const g = read(source, S.GuildDelete, d, "GUILD_DELETE");
    if (!source.rosters.has(g.id) && !source.expected.has(g.id)) return;
    if (g.unavailable) {
      // An outage: viewers keep the last picture; GUILD_CREATE settles it again when the guild is back.
      source.log.warn("discord guild unavailable", { guild: g.id });
      source.complete.delete(g.id);
      source.expected.delete(g.id);
      return;
    }
    const name = source.rosters.get(g.id)?.name;
    source.log.info("discord guild left", { guild: g.id, ...(name !== undefined ? { name } : {}) });
    source.drop(g.id);
    if (source.rosters.size === 0 && source.applicationId && !source.settings.only) {
      source.log.info("the bot is in no guild now: open this URL to add it to one", { url: inviteUrl(source.applicationId) });
    }
  },

  GUILD_MEMBER_ADD(source, d) {
    const m = read(source, S.MemberAdd, d, "GUILD_MEMBER_ADD");
    change(source, m.guild_id, [m.user.id], (r) => r.setMember(m));
  },

  GUILD_MEMBER_UPDATE(source, d) {
    const m = read(source, S.MemberUpdate, d, "GUILD_MEMBER_UPDATE");
    change(source, m.guild_id, [m.user.id], (r) => r.setMember(m));
  },

  GUILD_MEMBER_REMOVE(source, d) {
    const m = read(source, S.MemberRemove, d, "GUILD_MEMBER_REMOVE");
    change(source, m.guild_id, [m.user.id], (r) => {
      r.members.delete(m.user.id);
      r.statuses.delete(m.user.id);
    });
  },

  PRESENCE_UPDATE(source, d) {
    const p = read(source, S.Presence, d, "PRESENCE_UPDATE");
    if (!p.guild_id) return;
    const roster = source.rosters.get(p.guild_id);
    // Once every member is known, a presence for someone else describes no one d-zone shows; kept, it would only pile up.
    if (roster && source.complete.has(p.guild_id) && !roster.members.has(p.user.id)) return;
    change(source, p.guild_id, [p.user.id], (r) => {
      r.statuses.set(p.user.id, toStatus(p.status));
      const member = r.members.get(p.user.id);
      // A presence may carry a changed username or display name.
      if (member && p.user.username !== undefined) r.setMember({ ...member, user: { ...member.user, ...p.user } });
    });
  },

  GUILD_ROLE_CREATE: roleChange,
  GUILD_ROLE_UPDATE: roleChange,

  GUILD_ROLE_DELETE(source, d) {
    const { guild_id, role_id } = read(source, S.RoleDelete, d, "GUILD_ROLE_DELETE");
    const roster = source.rosters.get(guild_id);
    if (!roster) return;
    change(source, guild_id, roster.carriers(role_id), (r) => {
      r.roles.delete(role_id);
      for (const m of r.members.values()) if (m.roles.includes(role_id)) m.roles = m.roles.filter((id) => id !== role_id);
    });
  },

  MESSAGE_CREATE(source, d) {
    const m = read(source, S.MessageCreate, d, "MESSAGE_CREATE");
    if (!m.guild_id || m.author.bot || m.webhook_id || !source.rosters.has(m.guild_id)) return;
    const text = renderMessage(m, source.rosters.get(m.guild_id));
    if (!text) return;
    source.meter.event("discord", "message", () => source.state.message(m.guild_id!, { uid: m.author.id, message: text, channel: m.channel_id }));
  },

  CHANNEL_DELETE: channelGone,
  THREAD_DELETE: channelGone,
  CHANNEL_CREATE: channelChange,
  CHANNEL_UPDATE: channelChange,
  THREAD_CREATE: channelChange,
  THREAD_UPDATE: channelChange,
};

/** What a GUILD_CREATE says about a guild: roles, the members it carries, their presences, channel names. */
function fillRoster(roster: Roster, g: S.GuildCreate): void {
  roster.roles.clear();
  for (const role of g.roles) roster.setRole(role);
  for (const member of g.members) roster.setMember(member);
  applyPresences(roster, g.presences);
  for (const c of [...g.channels, ...g.threads]) if (c.name) roster.channels.set(c.id, c.name);
}

function roleChange(source: DiscordSource, d: unknown): void {
  const { guild_id, role } = read(source, S.RoleChange, d, "GUILD_ROLE_UPDATE");
  const roster = source.rosters.get(guild_id);
  if (!roster) return;
  change(source, guild_id, roster.carriers(role.id), (r) => r.setRole(role));
}

function channelChange(source: DiscordSource, d: unknown): void {
  const c = read(source, S.ChannelChange, d, "CHANNEL_UPDATE");
  if (c.guild_id && c.name) source.rosters.get(c.guild_id)?.channels.set(c.id, c.name);
}

/** A channel or thread is gone: its name is no longer needed (threads come and go for as long as d-back runs). */
function channelGone(source: DiscordSource, d: unknown): void {
  const c = read(source, S.ChannelChange, d, "CHANNEL_DELETE");
  if (c.guild_id) source.rosters.get(c.guild_id)?.channels.delete(c.id);
}
