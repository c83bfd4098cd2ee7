import type { GuildInfo } from "../protocol/guild.ts";
import type { IngestGuilds } from "../sources/ingest/source.ts";
import type { State } from "../state/state.ts";

/**
 * The ingest API's guild list in a cluster: the shared world itself, as this
 * instance's State holds it. A producer behind a load balancer reaches any
 * instance, so a guild PUT through one must be listed, replaced and deleted
 * through every other; "created" means new to the cluster.
 */
export class SharedGuilds implements IngestGuilds {
  #state: State;

  constructor(state: State) {
    this.#state = state;
  }

  servers(): GuildInfo[] {
    return [...this.#state.guilds()].map((guild) => guild.info);
  }

  /** Whether the cluster did not know the guild; the write itself goes to the bus. */
  put(info: GuildInfo): boolean {
    return !this.#state.get(info.guildId);
  }

  /** Whether the cluster knows the guild; the removal itself goes to the bus. */
  remove(guildId: string): boolean {
    return this.#state.get(guildId) !== undefined;
  }
}
