import type { DataSource, Feed } from "../../src/mod.ts";

export const ALPHA = "100000000000000001";
export const BETA = "100000000000000002";

/**
 * A data source whose live events the test sends by hand: two small guilds,
 * `alpha` (default) and `beta`, and `message()` to push an event into a
 * watched guild as fast as the test likes.
 */
export class PumpSource implements DataSource {
  readonly name = "pump";
  readonly feeds = new Map<string, Feed>();

  servers() {
    return [
      { guildId: ALPHA, id: "alpha", name: "Alpha", default: true },
      { guildId: BETA, id: "beta", name: "Beta" },
    ];
  }

  users(guildId: string) {
    return { [`${guildId}9`]: { uid: `${guildId}9`, username: "pump", status: "online" as const, roleColor: "#336699" } };
  }

  watch(guildId: string, feed: Feed): () => void {
    this.feeds.set(guildId, feed);
    return () => this.feeds.delete(guildId);
  }

  /** Sends a `message` event to the viewers of `guildId`; false when nobody watches it. */
  message(guildId: string, text: string): boolean {
    const feed = this.feeds.get(guildId);
    feed?.message({ uid: `${guildId}9`, message: text, channel: "1" });
    return feed !== undefined;
  }
}
