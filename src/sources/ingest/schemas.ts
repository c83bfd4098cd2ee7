import * as v from "valibot";
import { Members, ServerEntry } from "../../protocol/guild.ts";
import { Event } from "../../protocol/events.ts";

/** `PUT /api/ingest/servers/:guildId`: one whole guild, members included. */
export const PutGuild = v.object({ ...ServerEntry.entries, users: Members }, "must be an object");
export type PutGuild = v.InferOutput<typeof PutGuild>;

/** `POST /api/ingest/events` with an array: many events, applied all or nothing. */
export const EventList = v.array(Event);

export { Event };
