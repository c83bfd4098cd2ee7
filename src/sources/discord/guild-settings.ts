import * as v from "valibot";
import { jsonRecord, strictJsonObject } from "../../json-object.ts";

/**
 * What an admin may say about the Discord guilds d-back shows, as plain
 * data: the `discord` key of the config file (`--config`). The gateway
 * source reads it; the config loader validates it.
 */

const Snowflake = v.pipe(v.string("must be a string"), v.regex(/^\d{1,32}$/, "must be a Discord id (digits)"));

/** What d-zone asks for when it names no guild; a guild's short id must never be it. */
export const DEFAULT_REQUEST = "default";

/** d-zone's `?s=` value: short, readable, safe in a URL. */
export const ShortId = v.pipe(
  v.string("must be a string"),
  v.regex(/^[a-z0-9](?:[a-z0-9-]{0,62})$/, "must be 1 to 63 lower-case letters, digits or dashes"),
  v.check((id) => id !== DEFAULT_REQUEST, `must not be "${DEFAULT_REQUEST}" (d-zone's word for the default guild)`),
);

/** Settings for one guild; anything left out falls back to the `discord` section's defaults. */
export const GuildSettings = strictJsonObject({
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

export const DiscordSettings = v.pipe(
  strictJsonObject({
    /** When set, only these guilds are shown; the others the bot is in are ignored. */
    only: v.optional(v.array(Snowflake, "must be a list of Discord guild ids")),
    /** Defaults for every guild. Bots are hidden unless asked for. */
    hideBots: v.optional(v.boolean("must be a boolean"), true),
    hideOffline: v.optional(v.boolean("must be a boolean"), false),
    /** Per-guild settings, keyed by guild id. */
    guilds: v.optional(jsonRecord(Snowflake, GuildSettings, "must be an object keyed by guild id"), {}),
  }),
  // What no single guild's entry can tell: two guilds wanting one short id or both being the default.
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const guilds = dataset.value.guilds;
    const at = (guildId: string, key: "id" | "default"): [v.IssuePathItem, ...v.IssuePathItem[]] => [
      { type: "object", origin: "value", input: dataset.value, key: "guilds", value: guilds },
      { type: "object", origin: "value", input: guilds, key: guildId, value: guilds[guildId] },
      { type: "object", origin: "value", input: guilds[guildId]!, key, value: guilds[guildId]![key] },
    ];
    const owners = new Map<string, string>();
    let defaultGuild: string | undefined;
    for (const [guildId, own] of Object.entries(guilds)) {
      if (own.id !== undefined) {
        const owner = owners.get(own.id);
        if (owner !== undefined) addIssue({ message: `is guild ${owner}'s id too; short ids must be unique`, path: at(guildId, "id") });
        else owners.set(own.id, guildId);
      }
      if (own.default) {
        if (defaultGuild !== undefined) addIssue({ message: `is true for guild ${defaultGuild} too; only one guild can be the default`, path: at(guildId, "default") });
        else defaultGuild = guildId;
      }
    }
  }),
);
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

/**
 * A readable slug of a name: lower-case ASCII letters and digits joined by
 * dashes, accents dropped, at most 32 characters (room for a suffix).
 */
export function slug(name: string): string {
  return name.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 32).replace(/-+$/, "");
}

/**
 * Short ids for a set of guilds: the configured one, else a slug of the name
 * ("guild" for a name with no letters or digits). Every configured id is
 * reserved, even for a guild that is not in the set right now, so a guild
 * coming back never moves another. The result does not depend on the order
 * the guilds arrive in, so it is stable across restarts. Slug clashes go to
 * the guild with the smaller (older) id; the others get the end of their id
 * added, as few digits as make it unique (at least four). `ShortIdBook`
 * (short-ids.ts) keeps the same answer up to date one guild at a time.
 */
export function shortIds(guilds: Iterable<{ guildId: string; name: string }>, settings: DiscordSettings): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>([DEFAULT_REQUEST]);
  for (const own of Object.values(settings.guilds)) if (own.id !== undefined) taken.add(own.id);
  const sorted = [...guilds].sort((a, b) => compareIds(a.guildId, b.guildId));
  const configured = new Set<string>();
  for (const g of sorted) {
    const own = settings.guilds[g.guildId]?.id;
    // Validated settings never give two guilds one id; hand-made ones might: the older guild keeps it.
    if (own === undefined || configured.has(own)) continue;
    ids.set(g.guildId, own);
    configured.add(own);
  }
  for (const g of sorted) {
    if (ids.has(g.guildId)) continue;
    for (const id of candidates(slug(g.name) || "guild", g.guildId)) {
      if (taken.has(id)) continue;
      ids.set(g.guildId, id);
      taken.add(id);
      break;
    }
  }
  return ids;
}

/** `base`, then `base-` and more and more of the guild id's last digits, then numbered. */
export function* candidates(base: string, guildId: string): Generator<string> {
  yield base;
  for (let n = Math.min(4, guildId.length); n < guildId.length; n++) yield `${base}-${guildId.slice(-n)}`;
  for (let k = 1;; k++) yield k === 1 ? `${base}-${guildId}` : `${base}-${guildId}-${k}`;
}

/** Snowflakes compare as numbers; compare them as digit strings without BigInt. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
