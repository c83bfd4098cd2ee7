import { candidates, compareIds, DEFAULT_REQUEST, type DiscordSettings, shortIds, slug } from "./guild-settings.ts";

/**
 * The short ids of the guilds present, kept equal to `shortIds` of them as
 * guilds arrive, without recomputing the others: with thousands of guilds
 * in one READY, a full recomputation per GUILD_CREATE took seconds.
 *
 * `shortIds` gives each guild, oldest first, the first of its candidates no
 * older guild took. So a new guild takes the first candidate that is free or
 * held by a younger guild; a younger guild it displaces chooses again the
 * same way, and so on (each step moves to a younger guild, so it ends, and
 * in practice at once). A guild leaving or renamed can let younger ones move
 * back to better ids: that rare case recomputes everything.
 */
export class ShortIdBook {
  readonly #settings: DiscordSettings;
  /** Configured ids of every guild in the settings, present or not, and "default": never a slug's. */
  readonly #reserved: Set<string>;
  readonly #names = new Map<string, string>();
  /** Short id by guild id. */
  readonly #ids = new Map<string, string>();
  /** Guild id by short id. */
  readonly #owners = new Map<string, string>();

  constructor(settings: DiscordSettings) {
    this.#settings = settings;
    this.#reserved = new Set([DEFAULT_REQUEST]);
    for (const own of Object.values(settings.guilds)) if (own.id !== undefined) this.#reserved.add(own.id);
  }

  get(guildId: string): string | undefined {
    return this.#ids.get(guildId);
  }

  /**
   * Adds a guild (or takes a known one's new name). Returns the guilds whose
   * short id changed, the added one included.
   */
  set(guildId: string, name: string): string[] {
    const known = this.#names.get(guildId);
    if (known === name) return [];
    this.#names.set(guildId, name);
    if (known !== undefined) return this.#recompute();
    const moved = new Set<string>();
    const queue = [guildId];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const displaced = this.#place(next);
      moved.add(next);
      if (displaced !== undefined) queue.push(displaced);
    }
    return [...moved];
  }

  /** Removes a guild; returns the guilds whose short id changed. */
  delete(guildId: string): string[] {
    if (!this.#names.delete(guildId)) return [];
    return this.#recompute();
  }

  /** Gives a guild without an id its id; returns the guild it took the id from, if any. */
  #place(guildId: string): string | undefined {
    const own = this.#settings.guilds[guildId]?.id;
    if (own !== undefined) {
      // Hand-made settings may give two guilds one id: the older keeps it, the younger falls back to a slug.
      const holder = this.#owners.get(own);
      if (holder === undefined || compareIds(guildId, holder) < 0) return this.#take(guildId, own);
    }
    for (const id of candidates(slug(this.#names.get(guildId)!) || "guild", guildId)) {
      if (this.#reserved.has(id)) continue;
      const holder = this.#owners.get(id);
      if (holder === undefined || compareIds(guildId, holder) < 0) return this.#take(guildId, id);
    }
    return undefined;
  }

  #take(guildId: string, id: string): string | undefined {
    const holder = this.#owners.get(id);
    if (holder !== undefined) this.#ids.delete(holder);
    this.#owners.set(id, guildId);
    this.#ids.set(guildId, id);
    return holder;
  }

  #recompute(): string[] {
    const fresh = shortIds([...this.#names].map(([guildId, name]) => ({ guildId, name })), this.#settings);
    const moved: string[] = [];
    for (const [guildId, id] of fresh) if (this.#ids.get(guildId) !== id) moved.push(guildId);
    this.#ids.clear();
    this.#owners.clear();
    for (const [guildId, id] of fresh) this.#take(guildId, id);
    return moved;
  }
}
