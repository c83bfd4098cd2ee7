import * as v from "valibot";
import { Id, User } from "./user.ts";
import { jsonRecord } from "../json-object.ts";

/**
 * One guild as a producer describes it. `id` is the short name d-zone puts in
 * `?s=`. `password` and `clientId` are private: they never leave the server,
 * except `clientId` inside `server-join`.
 */
export const ServerEntry = v.object({
  id: Id,
  name: v.pipe(v.string("must be a string"), v.maxLength(256, "must be at most 256 characters")),
  default: v.optional(v.boolean("must be a boolean"), false),
  passworded: v.optional(v.boolean("must be a boolean"), false),
  password: v.optional(v.pipe(v.string("must be a string"), v.maxLength(1024, "must be at most 1024 characters"))),
  clientId: v.optional(Id),
});
export type ServerEntry = v.InferInput<typeof ServerEntry>;

/** A `ServerEntry` with the Discord snowflake that keys everything else. */
export const GuildInfo = v.object({ guildId: Id, ...ServerEntry.entries });
export type GuildInfo = v.InferOutput<typeof GuildInfo>;
export type GuildInfoInput = v.InferInput<typeof GuildInfo>;

/** Members of a guild keyed by uid; each key must be its member's uid. */
const membersMessage = "must be an object of members keyed by uid";
export const Members = v.pipe(
  jsonRecord(Id, User, membersMessage),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const [key, user] of Object.entries(dataset.value)) {
      if (user.uid !== key) {
        addIssue({
          message: `must equal its key "${key}"`,
          path: [
            { type: "object", origin: "value", input: dataset.value, key, value: user },
            { type: "object", origin: "value", input: user, key: "uid", value: user.uid },
          ],
        });
      }
    }
  }),
);
export type Members = v.InferOutput<typeof Members>;
export type MembersInput = v.InferInput<typeof Members>;
