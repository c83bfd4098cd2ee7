import * as v from "valibot";

/** Discord statuses d-zone knows how to draw. */
export const Status = v.picklist(["online", "idle", "dnd", "offline"], "must be online, idle, dnd or offline");
export type Status = v.InferOutput<typeof Status>;

/** A snowflake or any other opaque id, as a non-empty string of sane length. */
export const Id = v.pipe(
  v.string("must be a string"),
  v.nonEmpty("must not be empty"),
  v.maxLength(64, "must be at most 64 characters"),
);

/** `#rrggbb`, the only color form d-zone parses. */
export const RoleColor = v.pipe(v.string("must be a string"), v.regex(/^#[0-9a-fA-F]{6}$/, "must look like #rrggbb"));

export const Username = v.pipe(v.string("must be a string"), v.maxLength(256, "must be at most 256 characters"));

/** A member of a guild as d-zone draws it (USER in PROTOCOL.md). */
export const User = v.object({
  uid: Id,
  username: Username,
  status: Status,
  roleColor: RoleColor,
});
export type User = v.InferOutput<typeof User>;
