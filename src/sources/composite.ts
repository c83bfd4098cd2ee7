import type { GuildInfoInput, MembersInput } from "../protocol/guild.ts";
import type { DataSource, DiscordUser, Feed } from "./source.ts";

/**
 * Several sources as one (e.g. the ingest API and the mock world). Guild
 * lists are concatenated, the first source to name a guild owns it, and every
 * question about a guild goes to its owner.
 */
export class CompositeSource implements DataSource {
  readonly name: string;
  #sources: readonly DataSource[];
  #owners = new Map<string, DataSource>();
  #lists: readonly unknown[] = [];
  #merged: GuildInfoInput[] = [];

  constructor(sources: readonly DataSource[]) {
    this.#sources = sources;
    this.name = sources.map((s) => s.name).join("+");
  }

  /** The merged list, rebuilt only when some source returned a different array. */
  async servers(): Promise<readonly GuildInfoInput[]> {
    const lists = await Promise.all(this.#sources.map((s) => s.servers()));
    if (lists.length === this.#lists.length && lists.every((list, i) => list === this.#lists[i])) return this.#merged;
    this.#owners.clear();
    const merged: GuildInfoInput[] = [];
    lists.forEach((list, i) => {
      for (const info of list) {
        const guildId = (info as { guildId?: unknown }).guildId;
        if (typeof guildId === "string" && this.#owners.has(guildId)) continue;
        if (typeof guildId === "string") this.#owners.set(guildId, this.#sources[i]!);
        merged.push(info);
      }
    });
    this.#lists = lists;
    return this.#merged = merged;
  }

  users(guildId: string): MembersInput | Promise<MembersInput> {
    return this.#owner(guildId)?.users(guildId) ?? {};
  }

  clientId(guildId: string) {
    return this.#owner(guildId)?.clientId?.(guildId);
  }

  validateOAuth(guildId: string, token: string, user: DiscordUser) {
    return this.#owner(guildId)?.validateOAuth?.(guildId, token, user);
  }

  watch(guildId: string, feed: Feed): () => void {
    return this.#owner(guildId)?.watch?.(guildId, feed) ?? (() => {});
  }

  /** The sources this one joins, in order. */
  get parts(): readonly DataSource[] {
    return this.#sources;
  }

  /** The name of the source that owns a guild (this one's own name when none does). */
  ownerName(guildId: string): string {
    return this.#owner(guildId)?.name ?? this.name;
  }

  ready(): boolean {
    return this.#sources.every((s) => s.ready?.() ?? true);
  }

  /** Each source's status under its name. */
  status(): Record<string, unknown> {
    return Object.fromEntries(this.#sources.filter((s) => s.status).map((s) => [s.name, s.status!()]));
  }

  async close(): Promise<void> {
    await Promise.all(this.#sources.map((s) => s.close?.()));
  }

  #owner(guildId: string): DataSource | undefined {
    return this.#owners.get(guildId);
  }
}
