import * as v from "valibot";
import { GuildInfo, Members } from "../protocol/guild.ts";
import { MessageData, PresenceData } from "../protocol/events.ts";
import { Id } from "../protocol/user.ts";

/**
 * What travels on the cluster channel: one write to one guild, numbered by
 * the guild's sequence. Every instance checks each message against these
 * schemas before it touches State: Redis is shared, so it is a boundary.
 */
export const BusEvent = v.variant("t", [
  v.object({ t: v.literal("put"), info: GuildInfo, members: v.optional(Members), cid: v.optional(Id) }),
  v.object({ t: v.literal("remove") }),
  v.object({ t: v.literal("presence"), d: PresenceData }),
  v.object({ t: v.literal("message"), d: MessageData }),
  v.object({ t: v.literal("update-clientid"), c: Id }),
]);
export type BusEvent = v.InferOutput<typeof BusEvent>;

const Seq = v.pipe(v.number(), v.integer(), v.minValue(1));

export const BusMessage = v.object({ g: Id, s: Seq, e: BusEvent });
export type BusMessage = v.InferOutput<typeof BusMessage>;

/** One guild as the SNAPSHOT script returns it (scripts.ts). */
const SnapshotRow = v.pipe(
  v.tuple([Id, v.string(), v.string(), v.nullable(v.string()), v.array(v.string())]),
  v.transform(([guildId, info, seq, cid, flat]): Record<string, unknown> => {
    const members: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) members[flat[i]!] = JSON.parse(flat[i + 1]!);
    return { guildId, info: JSON.parse(info), seq: Number(seq), cid: cid ?? undefined, members };
  }),
  v.object({ guildId: Id, info: GuildInfo, seq: v.pipe(v.number(), v.integer(), v.minValue(0)), cid: v.optional(Id), members: Members }),
);
export type GuildSnapshot = v.InferOutput<typeof SnapshotRow>;

export const Snapshot = v.pipe(
  v.tuple([v.nullable(v.string()), v.array(SnapshotRow)]),
  v.transform(([epoch, guilds]) => ({ epoch: epoch ?? undefined, guilds })),
);
export type Snapshot = v.InferOutput<typeof Snapshot>;

/** Reads one channel message; undefined (and the reason) when it is not one of ours. */
export function readBusMessage(text: string): { ok: true; message: BusMessage } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "not JSON" };
  }
  const parsed = v.safeParse(BusMessage, json);
  return parsed.success ? { ok: true, message: parsed.output } : { ok: false, error: parsed.issues[0].message };
}
