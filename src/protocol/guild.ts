import * as v from "valibot";
import { Id, User } from "./user.ts";

/**
 * One guild as a data source describes it. `id` is the short name d-zone puts
 * in `?s=`; `guildId` is the Discord snowflake that keys everything else.
 * `password` and `clientId` are private: they never leave the server except
 * `clientId` inside `server-join`.
 */
export const GuildInfo = v.object({
  guildId: Id,
  id: Id,
  name: v.pipe(v.string("must be a string"), v.maxLength(256, "must be at most 256 characters")),
  default: v.optional(v.boolean("must be a boolean"), false),
  passworded: v.optional(v.boolean("must be a boolean"), false),
  password: v.optional(v.pipe(v.string("must be a string"), v.maxLength(1024, "must be at most 1024 characters"))),
  clientId: v.optional(Id),
});
export type GuildInfo = v.InferOutput<typeof GuildInfo>;
export type GuildInfoInput = v.InferInput<typeof GuildInfo>;

/** Members of a guild keyed by uid. */
export const Members = v.record(Id, User);
export type Members = v.InferOutput<typeof Members>;
