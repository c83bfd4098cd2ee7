import type { GuildInfoInput, MembersInput } from "../protocol/guild.ts";
import type { MessageData, PresenceData } from "../protocol/events.ts";

export type Awaitable<T> = T | Promise<T>;

/** The Discord user d-zone says is signed in (`connect.data.discordUser`). */
export interface DiscordUser {
  id?: string | null;
  username?: string | null;
}

/**
 * Where live events for one watched guild go. Handed to a source while the
 * guild has viewers; writes go through state, so joins see them too.
 */
export interface Feed {
  /** uids of the guild's current members. */
  uids(): string[];
  presence(data: PresenceData): void;
  message(data: MessageData): void;
}

/**
 * Where guilds and members come from: the mock world, a bot through the
 * library API, or producers through the ingest API.
 *
 * d-back asks for the guild list when a viewer connects and for a guild's
 * members when it is first joined; from then on the members are kept current
 * by presence events, so a source need not be asked again.
 */
export interface DataSource {
  /** A short name for logs: "mock", "library", "ingest". */
  readonly name: string;
  /** Every guild a viewer may choose; the one marked default (else the first) is the default. */
  servers(): Awaitable<readonly GuildInfoInput[]>;
  /** The members of one guild, keyed by uid. */
  users(guildId: string): Awaitable<MembersInput>;
  /** The Discord OAuth2 client id d-zone signs in with, when the guild info does not carry one. */
  clientId?(guildId: string): Awaitable<string | undefined>;
  /**
   * Whether `token` proves `user` and that user may view the guild;
   * `undefined` leaves the decision to d-back's own validation.
   */
  validateOAuth?(guildId: string, token: string, user: DiscordUser): Awaitable<boolean | undefined>;
  /** Called when a guild gains its first viewer; the returned function when it loses its last. */
  watch?(guildId: string, feed: Feed): () => void;
  /**
   * Whether the source has what viewers should see yet (a gateway session
   * READY with its members loaded, a cluster synced). Absent means always
   * ready. `/ready` answers 503 until every source is.
   */
  ready?(): boolean;
  /** A few figures about the source for `/health` and operators (connected, guilds, …); never secrets. */
  status?(): Record<string, unknown>;
  /** Stops whatever the source runs by itself (connections, timers); called once when the server stops. */
  close?(): void | Promise<void>;
  /** The sources this one is made of (several sources as one, a cluster and this instance's own), each shown apart to operators. */
  readonly parts?: readonly DataSource[];
}
