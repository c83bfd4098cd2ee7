import * as v from "valibot";
import { Id, RoleColor, Status, Username } from "./user.ts";

/**
 * The three live events a producer can send and d-back fans out to the
 * viewers of one guild, in their outbound shapes (PROTOCOL.md). Producers
 * (library broadcasts, the ingest API) are validated against these schemas,
 * so a viewer never receives a shape d-zone cannot draw.
 */
export const PresenceData = v.object({
  uid: Id,
  status: Status,
  username: v.optional(Username),
  roleColor: v.optional(RoleColor),
  /** `true` removes the member from the world. */
  delete: v.optional(v.boolean("must be a boolean")),
});
export type PresenceData = v.InferOutput<typeof PresenceData>;

export const MessageData = v.object({
  uid: Id,
  message: v.pipe(v.string("must be a string"), v.maxLength(4000, "must be at most 4000 characters")),
  channel: Id,
});
export type MessageData = v.InferOutput<typeof MessageData>;

export const ClientIdData = v.object({ clientId: Id });
export type ClientIdData = v.InferOutput<typeof ClientIdData>;

export const Event = v.variant("type", [
  v.object({ type: v.literal("presence"), server: Id, data: PresenceData }),
  v.object({ type: v.literal("message"), server: Id, data: MessageData }),
  v.object({ type: v.literal("update-clientid"), server: Id, data: ClientIdData }),
], 'type must be "presence", "message" or "update-clientid"');
export type Event = v.InferOutput<typeof Event>;
