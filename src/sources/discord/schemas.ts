import * as v from "valibot";

/**
 * The parts of Discord's gateway payloads d-back reads, checked at the
 * boundary. Objects are loose (Discord adds fields all the time); a payload
 * that lacks what d-back needs is dropped with a log line instead of
 * corrupting the state.
 */

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
  roles: v.optional(v.array(Snowflake), []),
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
  user: v.object({ id: Snowflake, username: v.optional(Name), global_name: v.nullish(Name), bot: v.optional(v.boolean()) }),
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
  roles: v.optional(v.array(Role), []),
  members: v.optional(v.array(Member), []),
  presences: v.optional(v.array(Presence), []),
  channels: v.optional(v.array(Channel), []),
  threads: v.optional(v.array(Channel), []),
});
export type GuildCreate = v.InferOutput<typeof GuildCreate>;

export const GuildUpdate = v.object({ id: Snowflake, name: Name, roles: v.optional(v.array(Role)) });
export const GuildDelete = v.object({ id: Snowflake, unavailable: v.optional(v.boolean()) });

export const Ready = v.object({
  user: DiscordUser,
  guilds: v.array(v.object({ id: Snowflake })),
  application: v.object({ id: Snowflake }),
});

export const MemberAdd = v.object({ ...Member.entries, guild_id: Snowflake });
export const MemberUpdate = MemberAdd;
export const MemberRemove = v.object({ guild_id: Snowflake, user: DiscordUser });

export const RoleChange = v.object({ guild_id: Snowflake, role: Role });
export const RoleDelete = v.object({ guild_id: Snowflake, role_id: Snowflake });

export const MembersChunk = v.object({
  guild_id: Snowflake,
  members: v.array(Member),
  chunk_index: v.number(),
  chunk_count: v.number(),
  presences: v.optional(v.array(Presence), []),
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
  mentions: v.optional(v.array(v.object({ ...DiscordUser.entries, member: v.optional(v.object({ nick: v.nullish(Name) })) })), []),
});
export type MessageCreate = v.InferOutput<typeof MessageCreate>;
