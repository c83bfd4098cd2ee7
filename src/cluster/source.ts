import type { GuildInfo, Members } from "../protocol/guild.ts";
import type { DataSource, DiscordUser, Feed } from "../sources/source.ts";
import type { State } from "../state/state.ts";
import type { Logger } from "../log.ts";
import type { Cluster } from "./cluster.ts";
import { Exporter } from "./export.ts";

/**
 * The data source World sees when instances share a world: the guilds and
 * members are the shared ones, already in State (the bus keeps them there).
 * This instance's own pull sources (`local`) are exported to the cluster
 * before each answer, their live feeds write to the bus instead of State, and
 * sign-in questions still go to them.
 */
export class ClusterSource implements DataSource {
  readonly name: string;
  #cluster: Cluster;
  #local: DataSource | undefined;
  #state: State;
  #log: Logger;
  #exporter: Exporter | undefined;
  #list: readonly GuildInfo[] = [];
  #leased: () => DataSource | undefined;

  /** `leased`: a source that runs here only while this instance holds its lease (the gateway), reported beside the others. */
  constructor(cluster: Cluster, local: DataSource | undefined, state: State, log: Logger, leased: () => DataSource | undefined = () => undefined) {
    this.#cluster = cluster;
    this.#leased = leased;
    this.#local = local;
    this.#state = state;
    this.#log = log;
    this.name = local ? `cluster+${local.name}` : "cluster";
    if (local) {
      const exporter = this.#exporter = new Exporter(local, cluster.bus, log);
      // After each sync: the first one at start, and a list that changed while Redis was away.
      cluster.bus.onSynced(() => void exporter.export().catch((error) => this.#exportFailed(error)));
    }
  }

  /** The shared guild list as State holds it (the same array while it has not changed). */
  async servers(): Promise<readonly GuildInfo[]> {
    // Before the first sync the export waits for it (onSynced above), instead of failing against a Redis not yet reached.
    if (this.#cluster.ready()) await this.#exporter?.export().catch((error) => this.#exportFailed(error));
    const infos = [...this.#state.guilds()].map((guild) => guild.info);
    if (infos.length !== this.#list.length || infos.some((info, i) => info !== this.#list[i])) this.#list = infos;
    return this.#list;
  }

  /** Members are always in State for shared guilds; this answers the same. */
  users(guildId: string): Members {
    return this.#state.get(guildId)?.members() ?? {};
  }

  /**
   * Asked of the local source only for a guild it offers: the mock world
   * accepts any sign-in, and must not let one into a passworded guild that
   * another instance's producer put into the cluster.
   */
  validateOAuth(guildId: string, token: string, user: DiscordUser) {
    return this.#owns(guildId) ? this.#local?.validateOAuth?.(guildId, token, user) : undefined;
  }

  /** The local source's live feed for the guild, writing to the bus: every instance's viewers hear it. */
  watch(guildId: string, feed: Feed): () => void {
    const bus = this.#cluster.bus;
    if (!this.#owns(guildId)) return () => {};
    return this.#local?.watch?.(guildId, {
      uids: feed.uids,
      presence: (data) => bus.presence(guildId, data),
      message: (data) => bus.message(guildId, data),
    }) ?? (() => {});
  }

  ready(): boolean {
    return this.#cluster.ready() && (this.#local?.ready?.() ?? true);
  }

  /**
   * The cluster and this instance's own source, each as a source of its own,
   * so the operator page and /metrics show the cluster's fields (connected,
   * synced, …) instead of one nested object they cannot read.
   */
  get parts(): readonly DataSource[] {
    const cluster = this.#cluster;
    const face: DataSource = {
      name: "cluster",
      servers: () => this.servers(),
      users: (guildId) => this.users(guildId),
      ready: () => cluster.ready(),
      status: () => cluster.status(),
    };
    return [face, ...this.#others()];
  }

  status(): Record<string, unknown> {
    const others = this.#others().filter((s) => s.status).map((s) => [s.name, s.status!()]);
    return { cluster: this.#cluster.status(), ...Object.fromEntries(others) };
  }

  /** This instance's own source, and the leased one while it runs here. */
  #others(): DataSource[] {
    return [this.#local, this.#leased()].filter((s): s is DataSource => s !== undefined);
  }

  async close(): Promise<void> {
    await this.#local?.close?.();
    await this.#cluster.close();
  }

  #owns(guildId: string): boolean {
    return this.#exporter?.offers(guildId) ?? false;
  }

  #exportFailed(error: unknown): void {
    this.#log.warn("could not export this instance's guilds to the cluster", { error: String(error) });
  }
}
