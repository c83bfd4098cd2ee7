import type { GuildInfo, Members } from "../protocol/guild.ts";
import type { MessageData, PresenceData } from "../protocol/events.ts";

/**
 * Where the sources' writes go: straight into State on a single instance, or
 * onto the cluster bus (src/cluster/bus.ts), which hands them to the State of
 * every instance in one order. The boolean answers are "the guild is known".
 */
export interface Writes {
  putGuild(info: GuildInfo, members?: Members): unknown;
  removeGuild(guildId: string): boolean;
  presence(guildId: string, data: PresenceData): boolean;
  message(guildId: string, data: MessageData): boolean;
  clientId(guildId: string, clientId: string): boolean;
  /**
   * Settles once every write made so far is where every instance will see it;
   * rejects when one could not be made (the cluster store is unreachable).
   * Absent means writes take effect at once.
   */
  committed?(): Promise<void>;
  /**
   * Settles once every write made so far is in the cluster store, without
   * waiting for this instance to have applied it (`committed` does); rejects
   * as `committed` does. For a producer that only needs to hear of a failure.
   */
  stored?(): Promise<void>;
}

/** The writes could not be made where every instance sees them (the cluster store is unreachable); try again. */
export class WritesUnavailableError extends Error {
  override name = "WritesUnavailableError";
}
