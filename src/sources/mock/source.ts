import type { GuildInfo, Members } from "../../protocol/guild.ts";
import type { DataSource, DiscordUser, Feed } from "../source.ts";
import { dataset } from "./dataset.ts";
import { simulate } from "./simulation.ts";

export interface MockOptions {
  /** Milliseconds between presence changes in a watched guild (dataset: 4 s). */
  presenceMs?: number;
  /** Milliseconds between messages in a watched guild (dataset: 5 s). */
  messageMs?: number;
  random?: () => number;
}

/**
 * The mock world: the bundled dataset, and one simulation per guild that runs
 * only while the guild has viewers.
 */
export class MockSource implements DataSource {
  readonly name = "mock";
  #infos: readonly GuildInfo[];
  #options: Required<MockOptions>;
  #running = new Set<string>();

  constructor(options: MockOptions = {}) {
    this.#infos = Object.entries(dataset.servers).map(([guildId, s]) => ({
      guildId,
      id: s.id,
      name: s.name,
      default: s.default,
      passworded: s.passworded,
    }));
    this.#options = {
      presenceMs: options.presenceMs ?? dataset.presenceIntervalSeconds * 1000,
      messageMs: options.messageMs ?? dataset.messageIntervalSeconds * 1000,
      random: options.random ?? Math.random,
    };
  }

  /** Guilds whose simulation is running now. */
  get running(): number {
    return this.#running.size;
  }

  /** For operators: guilds offered, and those whose simulation runs now. */
  status(): Record<string, unknown> {
    return { guilds: this.#infos.length, simulating: this.#running.size };
  }

  servers(): readonly GuildInfo[] {
    return this.#infos;
  }

  users(guildId: string): Members {
    return structuredClone(dataset.servers[guildId]?.users ?? {});
  }

  /** Any well-formed sign-in is accepted: the mock world has no Discord behind it. */
  validateOAuth(_guildId: string, token: string, user: DiscordUser): boolean {
    return token.length > 0 && !!user.id && !!user.username;
  }

  watch(guildId: string, feed: Feed): () => void {
    const stop = simulate(feed, {
      ...this.#options,
      messages: dataset.messages,
      channel: dataset.messageChannel,
    });
    this.#running.add(guildId);
    return () => {
      stop();
      this.#running.delete(guildId);
    };
  }
}
