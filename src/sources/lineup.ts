import type { Logger } from "../log.ts";
import type { Meter } from "../metrics/meter.ts";
import type { ServerOptions } from "../server-options.ts";
import type { State } from "../state/state.ts";
import type { Writes } from "../state/writes.ts";
import type { Cluster } from "../cluster/cluster.ts";
import type { DataSource } from "./source.ts";
import { CompositeSource } from "./composite.ts";
import { type Callbacks, hasDataCallbacks, LibrarySource } from "./library/callbacks.ts";
import { IngestSource } from "./ingest/source.ts";
import type { DiscordSource } from "./discord/source.ts";
import { DiscordFatalError } from "./discord/fatal.ts";

/**
 * Which data sources a server runs, from its options: a source of the
 * caller's own, the Discord gateway, the bot's callbacks, the ingest API,
 * and the mock world when nothing else feeds it (or when asked). In a
 * cluster the gateway runs only on the instance that holds its lease, and
 * every local source writes through the cluster bus.
 */
export class Lineup {
  readonly ingest: IngestSource | undefined;
  /** The gateway of a single instance, once `connect` made it; in a cluster it is started under the lease instead. */
  discordBot: DiscordSource | undefined;
  /** In a cluster, the gateway while this instance holds its lease (for the operator page, /metrics and /health). */
  #leased: DiscordSource | undefined;
  #options: ServerOptions;
  #state: State;
  #cluster: Cluster | undefined;
  #log: Logger;
  #meter: Meter;

  constructor(options: ServerOptions, state: State, cluster: Cluster | undefined, log: Logger, meter: Meter) {
    this.#options = options;
    this.#state = state;
    this.#cluster = cluster;
    this.#log = log;
    this.#meter = meter;
    if (options.ingest) this.ingest = new IngestSource();
  }

  /** Connects a single instance's gateway (before the world first asks for guilds); rejects with a DiscordFatalError. */
  async connect(): Promise<void> {
    if (!this.#options.discordBot || this.#cluster) return;
    this.discordBot = await this.#discord(this.#state);
    await this.discordBot.connect();
  }

  /** The one source the world asks: all of them as one. */
  async source(callbacks: Callbacks): Promise<DataSource> {
    const sources: DataSource[] = [];
    const { source, mock, discordBot } = this.#options;
    if (source) sources.push(source);
    if (this.discordBot) sources.push(this.discordBot);
    if (hasDataCallbacks(callbacks)) sources.push(new LibrarySource(callbacks));
    if (this.ingest) sources.push(this.ingest);
    // A cluster's gateway (run under its lease, not listed here) counts as a source too.
    const gateway = this.#cluster && discordBot;
    // Loaded only when wanted: a server fed by others starts without the mock world's code and data.
    if ((sources.length === 0 && !gateway) || mock) {
      sources.push(new (await import("./mock/source.ts")).MockSource(typeof mock === "object" ? mock : {}));
    }
    if (this.#cluster) {
      // In a cluster the ingest routes write to the bus themselves; the other sources are exported to it.
      const local = sources.filter((s) => s !== this.ingest);
      // Loaded with the cluster only: a single instance starts without it (cold start).
      const { ClusterSource } = await import("../cluster/source.ts");
      const leased = () => this.#leased;
      return new ClusterSource(this.#cluster, local.length > 1 ? new CompositeSource(local) : local[0], this.#state, this.#log, leased);
    }
    return sources.length === 1 ? sources[0]! : new CompositeSource(sources);
  }

  /** In a cluster with a bot token: the gateway runs while this instance holds the lease. */
  start(): void {
    if (this.#cluster && this.#options.discordBot) this.#cluster.whileLeader("gateway", (writes) => this.#gatewayUnderLease(writes));
  }

  /**
   * The Discord gateway on the one instance that holds the cluster's gateway
   * lease: a new session (identify, then reconciled by whole member lists)
   * whose writes Redis refuses once the lease has passed on.
   */
  #gatewayUnderLease(writes: Writes): () => void {
    const bot = this.#options.discordBot!;
    let stopped = false;
    let source: DiscordSource | undefined;
    this.#discord(writes).then((made) => {
      source = made;
      if (stopped) return;
      this.#leased = made;
      return made.connect();
    }).catch((error) => {
      if (error instanceof DiscordFatalError && bot.onFatal) bot.onFatal(error);
      else this.#log.error("discord gateway failed", { error: error instanceof Error ? error.message : String(error) });
    });
    return () => {
      stopped = true;
      if (this.#leased === source) this.#leased = undefined;
      void source?.close();
    };
  }

  /** The gateway source; its Discord libraries are loaded only when a bot token is set (they cost start-up time). */
  async #discord(writes: Writes): Promise<DiscordSource> {
    const { DiscordSource } = await import("./discord/source.ts");
    const { clientId, apiBase } = this.#options.discord ?? {};
    return new DiscordSource(writes, { ...this.#options.discordBot!, clientId, apiBase, log: this.#log, meter: this.#meter });
  }
}
