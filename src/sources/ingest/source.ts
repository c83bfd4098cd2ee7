import type { GuildInfo, Members } from "../../protocol/guild.ts";
import type { DataSource } from "../source.ts";

/** The ingest routes' guild list: which guilds exist, which one a PUT creates, which a DELETE may remove. */
export interface IngestGuilds {
  servers(): readonly GuildInfo[];
  /** Records the guild; returns whether it was new. */
  put(info: GuildInfo): boolean;
  /** Forgets the guild; returns whether it was there. */
  remove(guildId: string): boolean;
}

/**
 * The guilds producers have PUT through the ingest API. Their members live in
 * state (a PUT writes them there, events keep them current); this source only
 * answers which guilds exist, so a guild list pulled later agrees with state.
 */
export class IngestSource implements DataSource, IngestGuilds {
  readonly name = "ingest";
  #guilds = new Map<string, GuildInfo>();
  /** Replaced on every change, so callers can tell "same list" by identity. */
  #list: readonly GuildInfo[] = [];

  /** For operators: guilds producers have put. */
  status(): Record<string, unknown> {
    return { guilds: this.#guilds.size };
  }

  servers(): readonly GuildInfo[] {
    return this.#list;
  }

  /** Members are always in state for ingest guilds; nothing to add. */
  users(): Members {
    return {};
  }

  has(guildId: string): boolean {
    return this.#guilds.has(guildId);
  }

  /** Returns whether the guild was new. */
  put(info: GuildInfo): boolean {
    const created = !this.#guilds.has(info.guildId);
    this.#guilds.set(info.guildId, info);
    this.#list = [...this.#guilds.values()];
    return created;
  }

  remove(guildId: string): boolean {
    if (!this.#guilds.delete(guildId)) return false;
    this.#list = [...this.#guilds.values()];
    return true;
  }
}
