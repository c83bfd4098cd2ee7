import type { GuildInfo, Members } from "../protocol/guild.ts";
import type { MessageData, PresenceData } from "../protocol/events.ts";
import * as out from "../protocol/outbound.ts";
import { Guild } from "./guild.ts";

/** Where state sends what viewers must hear about (the hub). */
export interface StateListener {
  /** A live event for the viewers of one guild. */
  broadcast(guildId: string, event: out.Broadcast): void;
  /** The guild is gone; its viewers must be told and detached. */
  removed(guildId: string): void;
}

/**
 * Every guild the data source offers, their members and statuses. All writes
 * go through here, so the picture a joining viewer gets and the events the
 * viewers already in the guild get can never disagree.
 */
export class State {
  #guilds = new Map<string, Guild>();
  #byId = new Map<string, Guild>();
  #default: Guild | undefined;
  #listFrame: string | undefined;
  #listener: StateListener;
  #fallbackClientId: string | undefined;

  /** `fallbackClientId`: the client id of guilds that have none of their own (`--discord-client-id`). */
  constructor(listener: StateListener, fallbackClientId?: string) {
    this.#listener = listener;
    this.#fallbackClientId = fallbackClientId;
  }

  get size(): number {
    return this.#guilds.size;
  }

  guilds(): IterableIterator<Guild> {
    return this.#guilds.values();
  }

  get(guildId: string): Guild | undefined {
    return this.#guilds.get(guildId);
  }

  /** The guild a normalized `connect.server` names: its short id, or "default". */
  find(request: string): Guild | undefined {
    return this.#byId.get(request) ?? (request === "default" ? this.#default : undefined);
  }

  /** `server-list`, serialized once per change of the guild list. */
  serverListFrame(): string {
    return this.#listFrame ??= out.serverListFrame(this.#publicInfos());
  }

  /**
   * Makes the guild list equal to `infos`: new guilds are added, known ones
   * keep their members, missing ones are removed.
   */
  setGuilds(infos: readonly GuildInfo[]): void {
    const keep = new Set<string>();
    for (const info of infos) {
      keep.add(info.guildId);
      this.#upsert(info);
    }
    for (const guildId of [...this.#guilds.keys()]) if (!keep.has(guildId)) this.removeGuild(guildId);
  }

  /**
   * Creates or replaces one guild. When members are given and the guild was
   * already loaded, its viewers get one presence per member that changed.
   */
  putGuild(info: GuildInfo, members?: Members): Guild {
    const guild = this.#upsert(info);
    if (members) this.setMembers(guild.guildId, members);
    return guild;
  }

  setMembers(guildId: string, members: Members): void {
    const guild = this.#guilds.get(guildId);
    if (!guild) return;
    for (const data of guild.setMembers(members)) this.#listener.broadcast(guildId, out.presence(guildId, data));
  }

  removeGuild(guildId: string): boolean {
    if (!this.#guilds.delete(guildId)) return false;
    this.#reindex();
    this.#listener.removed(guildId);
    return true;
  }

  /**
   * Records a presence and tells the guild's viewers. Returns false for an
   * unknown guild. A presence that state ignores (a member it does not know,
   * without a username to add it by, or removed) is not sent either: viewers
   * who join later could never see that creature, so none should.
   */
  presence(guildId: string, data: PresenceData): boolean {
    const guild = this.#guilds.get(guildId);
    if (!guild) return false;
    if ((data.username === undefined || data.delete) && guild.knows(data.uid) === false) return true;
    guild.applyPresence(data);
    this.#listener.broadcast(guildId, out.presence(guildId, data));
    return true;
  }

  message(guildId: string, data: MessageData): boolean {
    if (!this.#guilds.has(guildId)) return false;
    this.#listener.broadcast(guildId, out.message(guildId, data));
    return true;
  }

  clientId(guildId: string, clientId: string): boolean {
    const guild = this.#guilds.get(guildId);
    if (!guild) return false;
    guild.setClientId(clientId);
    this.#listener.broadcast(guildId, out.updateClientId(guildId, { clientId }));
    return true;
  }

  #upsert(info: GuildInfo): Guild {
    const guild = this.#guilds.get(info.guildId);
    if (!guild) {
      const created = new Guild(info, this.#fallbackClientId);
      this.#guilds.set(info.guildId, created);
      this.#indexNew(created);
      return created;
    }
    const old = guild.info;
    guild.setInfo(info);
    if (old.id !== info.id || old.name !== info.name || old.default !== info.default || old.passworded !== info.passworded) {
      this.#reindex();
    }
    return guild;
  }

  /**
   * What `#reindex` would make of the index after `guild` was added last, in
   * constant time: a source adding thousands of guilds one by one must not
   * walk the whole list for each.
   */
  #indexNew(guild: Guild): void {
    if (!this.#byId.has(guild.info.id)) this.#byId.set(guild.info.id, guild);
    if (!this.#default || (guild.info.default && !this.#default.info.default)) this.#default = guild;
    this.#listFrame = undefined;
  }

  /** Rebuilds the short-id index and the default guild (the first marked default, else the first). */
  #reindex(): void {
    this.#byId.clear();
    this.#default = undefined;
    let first: Guild | undefined;
    for (const guild of this.#guilds.values()) {
      first ??= guild;
      if (!this.#byId.has(guild.info.id)) this.#byId.set(guild.info.id, guild);
      if (guild.info.default && !this.#default) this.#default = guild;
    }
    this.#default ??= first;
    this.#listFrame = undefined;
  }

  *#publicInfos(): Iterable<GuildInfo> {
    for (const guild of this.#guilds.values()) yield { ...guild.info, default: guild === this.#default };
  }
}
