/**
 * What a running server looks like at one instant: read when Prometheus
 * scrapes and when the operator page polls, never kept up to date in between.
 */
export interface Figures {
  /** Open viewer connections, and the most allowed (0: no limit). */
  viewers: number;
  maxViewers: number;
  /** What `/ready` says. */
  ready: boolean;
  /** Guilds the data source offers. */
  guilds: number;
  /** Guilds with at least one viewer. */
  watched: { guildId: string; name: string; viewers: number; members: number }[];
  /** Each data source: whether it is ready, and what it reports about itself (`DataSource.status()`). */
  sources: { name: string; ready: boolean; status: Record<string, unknown> }[];
  memory: { rss: number; heapUsed: number; heapTotal: number };
  /** The longest the event loop ran late since the last reading, in seconds. */
  eventLoopLag: number;
  uptimeSeconds: number;
}
