import * as v from "valibot";

/**
 * The parts of Discord's gateway payloads d-back reads, checked at the
 * boundary. Objects are loose (Discord adds fields all the time); a payload
 * that lacks what d-back needs is dropped with a log line instead of
 * corrupting the state.
 */

/**
 * One failed check as a short phrase for the log: where, and what was
 * expected, never what came (a hostile gateway's megabyte of text would be
 * written out whole).
 */
export function expected(issue: v.BaseIssue<unknown>): string {
  const where = v.getDotPath(issue) ?? "";
  return `${where || "payload"} must be ${issue.expected ?? "something else"}`.slice(0, 200);
}

/**
 * Problems found in the payload being read, by `listOf`: `readDispatch`
 * collects them around one synchronous parse.
 */
let skipped: string[] | undefined;

/**
 * A list whose bad items are left out (and reported) instead of failing the
 * whole payload: one member with a broken name must not keep a guild's other
 * 10 000 members, or its whole chunk, from d-zone.
 */
function listOf<T extends v.GenericSchema>(item: T) {
  return v.pipe(
    v.array(v.unknown()),
    v.transform((list) => {
      const out: v.InferOutput<T>[] = [];
      for (const value of list) {
        const result = v.safeParse(item, value);
        if (result.success) out.push(result.output);
        else skipped?.push(expected(result.issues[0]));
      }
      return out;
    }),
  );
}

/** Reads a dispatch's `d`: its value, or the problem that rejects it; and the problems of items left out. */
export function readDispatch<S extends v.GenericSchema>(schema: S, d: unknown): { output?: v.InferOutput<S>; problem?: string; skipped: string[] } {
  skipped = [];
  try {
    const result = v.safeParse(schema, d);
    return result.success ? { output: result.output, skipped } : { problem: expected(result.issues[0]), skipped: [] };
  } finally {
    skipped = undefined;
  }
}

const Snowflake = v.pipe(v.string(), v.regex(/^\d{1,32}$/));
const Name = v.pipe(v.string(), v.maxLength(256));

export const DiscordUser = v.object({
  id: Snowflake,
  username: v.optional(Name),
  global_name: v.nullish(Name),
  bot: v.optional(v.boolean()),
});
export type DiscordUser = v.InferOutput<typeof DiscordUser>;

export const Member = v.object({
  user: DiscordUser,
  nick: v.nullish(Name),
  roles: v.optional(listOf(Snowflake), []),
});
export type Member = v.InferOutput<typeof Member>;

export const Role = v.object({
  id: Snowflake,
  name: v.optional(Name, ""),
  color: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffff)), 0),
  position: v.optional(v.number(), 0),
});
export type Role = v.InferOutput<typeof Role>;

export const Presence = v.object({
  user: DiscordUser,
  guild_id: v.optional(Snowflake),
  status: v.optional(v.string(), "offline"),
});
export type Presence = v.InferOutput<typeof Presence>;

const Channel = v.object({ id: Snowflake, name: v.nullish(Name) });

export const GuildCreate = v.object({
  id: Snowflake,
  name: Name,
  unavailable: v.optional(v.boolean()),
  large: v.optional(v.boolean()),
  member_count: v.optional(v.number()),
  roles: v.optional(listOf(Role), []),
  members: v.optional(listOf(Member), []),
  presences: v.optional(listOf(Presence), []),
  channels: v.optional(listOf(Channel), []),
  threads: v.optional(listOf(Channel), []),
});
export type GuildCreate = v.InferOutput<typeof GuildCreate>;

export const GuildUpdate = v.object({ id: Snowflake, name: Name, roles: v.optional(listOf(Role)) });
export const GuildDelete = v.object({ id: Snowflake, unavailable: v.optional(v.boolean()) });

export const Ready = v.object({
  user: DiscordUser,
  guilds: listOf(v.object({ id: Snowflake })),
  application: v.object({ id: Snowflake }),
});

export const MemberAdd = v.object({ ...Member.entries, guild_id: Snowflake });
export const MemberUpdate = MemberAdd;
export const MemberRemove = v.object({ guild_id: Snowflake, user: DiscordUser });

export const RoleChange = v.object({ guild_id: Snowflake, role: Role });
export const RoleDelete = v.object({ guild_id: Snowflake, role_id: Snowflake });

export const MembersChunk = v.object({
  guild_id: Snowflake,
  members: listOf(Member),
  chunk_index: v.pipe(v.number(), v.integer(), v.minValue(0)),
  chunk_count: v.pipe(v.number(), v.integer(), v.minValue(1)),
  presences: v.optional(listOf(Presence), []),
  nonce: v.optional(v.string()),
});

export const RateLimited = v.object({
  opcode: v.number(),
  retry_after: v.pipe(v.number(), v.minValue(0)),
  meta: v.object({ guild_id: v.optional(Snowflake), nonce: v.optional(v.string()) }),
});

export const ChannelChange = v.object({ id: Snowflake, guild_id: v.optional(Snowflake), name: v.nullish(Name) });

export const MessageCreate = v.object({
  guild_id: v.optional(Snowflake),
  channel_id: Snowflake,
  author: DiscordUser,
  webhook_id: v.optional(v.string()),
  content: v.optional(v.string(), ""),
  mentions: v.optional(listOf(v.object({ ...DiscordUser.entries, member: v.optional(v.object({ nick: v.nullish(Name) })) })), []),
});
export type MessageCreate = v.InferOutput<typeof MessageCreate>;
