import * as v from "valibot";

/**
 * What an admin may say about the Discord guilds d-back shows, as plain
 * data: the `discord` key of the config file (`--config`). The gateway
 * source reads it; the config loader validates it.
 */

const Snowflake = v.pipe(v.string("must be a string"), v.regex(/^\d{1,32}$/, "must be a Discord id (digits)"));

/** d-zone's `?s=` value: short, readable, safe in a URL. */
export const ShortId = v.pipe(
  v.string("must be a string"),
  v.regex(/^[a-z0-9](?:[a-z0-9-]{0,62})$/, "must be 1 to 63 lower-case letters, digits or dashes"),
);

/** Settings for one guild; anything left out falls back to the `discord` section's defaults. */
export const GuildSettings = v.strictObject({
  /** The short id for `?s=`; default: a slug of the guild's name (see `shortIds`). */
  id: v.optional(ShortId),
  /** Shown when d-zone asks for no guild in particular. */
  default: v.optional(v.boolean("must be a boolean")),
  /** Viewers must sign in with Discord (or give `password`). */
  passworded: v.optional(v.boolean("must be a boolean")),
  /** The legacy password for a passworded guild. */
  password: v.optional(v.pipe(v.string("must be a string"), v.nonEmpty("must not be empty"), v.maxLength(1024, "must be at most 1024 characters"))),
  hideBots: v.optional(v.boolean("must be a boolean")),
  hideOffline: v.optional(v.boolean("must be a boolean")),
});
export type GuildSettings = v.InferOutput<typeof GuildSettings>;

export const DiscordSettings = v.strictObject({
  /** When set, only these guilds are shown; the others the bot is in are ignored. */
  only: v.optional(v.array(Snowflake, "must be a list of Discord guild ids")),
  /** Defaults for every guild. Bots are hidden unless asked for. */
  hideBots: v.optional(v.boolean("must be a boolean"), true),
  hideOffline: v.optional(v.boolean("must be a boolean"), false),
  /** Per-guild settings, keyed by guild id. */
  guilds: v.optional(v.record(Snowflake, GuildSettings, "must be an object keyed by guild id"), {}),
});
export type DiscordSettings = v.InferOutput<typeof DiscordSettings>;

/** One guild's settings with the section's defaults filled in. */
export interface ResolvedGuildSettings {
  passworded: boolean;
  password: string | undefined;
  hideBots: boolean;
  hideOffline: boolean;
  default: boolean;
}

export function guildSettings(settings: DiscordSettings, guildId: string): ResolvedGuildSettings {
  const own = settings.guilds[guildId] ?? {};
  return {
    passworded: own.passworded ?? own.password !== undefined,
    password: own.password,
    hideBots: own.hideBots ?? settings.hideBots,
    hideOffline: own.hideOffline ?? settings.hideOffline,
    default: own.default ?? false,
  };
}

/** Whether the guild is shown at all. */
export function guildAllowed(settings: DiscordSettings, guildId: string): boolean {
  return !settings.only || settings.only.includes(guildId);
}

/** A readable slug of a name: lower-case ASCII letters and digits joined by dashes. */
export function slug(name: string): string {
  return name.normalize("NFKD").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
}

/**
 * Short ids for a set of guilds: the configured one, else a slug of the
 * name. The result depends only on the guilds' ids, names and settings, not
 * on the order they arrive in, so it is stable across restarts. Clashes go
 * to the guild with the smaller id; the others get the end of their id added.
 */
export function shortIds(guilds: Iterable<{ guildId: string; name: string }>, settings: DiscordSettings): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const sorted = [...guilds].sort((a, b) => compareIds(a.guildId, b.guildId));
  for (const g of sorted) {
    const own = settings.guilds[g.guildId]?.id;
    if (own !== undefined && !taken.has(own)) {
      ids.set(g.guildId, own);
      taken.add(own);
    }
  }
  for (const g of sorted) {
    if (ids.has(g.guildId)) continue;
    const base = slug(g.name) || "guild";
    let id = base;
    for (let n = 4; taken.has(id); n++) id = `${base}-${g.guildId.slice(-Math.min(n, g.guildId.length))}${n > g.guildId.length ? n : ""}`;
    ids.set(g.guildId, id);
    taken.add(id);
  }
  return ids;
}

/** Snowflakes compare as numbers; compare them as digit strings without BigInt. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
