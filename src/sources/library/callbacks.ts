import * as v from "valibot";
import { type MembersInput, ServerEntry } from "../../protocol/guild.ts";
import type { GuildInfoInput } from "../../protocol/guild.ts";
import { Id } from "../../protocol/user.ts";
import { describeIssue } from "../../protocol/issues.ts";
import { jsonRecord } from "../../json-object.ts";
import type { Awaitable, DataSource, DiscordUser } from "../source.ts";

/** What a bot's `getServers` returns: every guild keyed by its snowflake; the one marked default (else the first) is the default. */
export type Servers = Record<string, v.InferInput<typeof ServerEntry>>;

/** A static response from `onStaticRequest`, or a full `Response`. */
export type StaticReply = Response | { contentType: string; body: string | Uint8Array<ArrayBuffer> };

/**
 * The callbacks a bot registers, with the meaning they have in the Python
 * d-back. Each may be sync or async; one that throws, rejects or takes longer
 * than `sourceTimeoutMs` gives the viewer a clear error, never a dead socket.
 */
export interface Callbacks {
  /** Every guild to offer. Called when a viewer connects. */
  getServers?: () => Awaitable<Servers>;
  /**
   * The members of a guild, keyed by uid. Called when the guild is first
   * joined; keep it current afterwards with `broadcastPresence`.
   */
  getUsers?: (guildId: string) => Awaitable<MembersInput>;
  /**
   * Whether the Discord token proves this user and the user may view the
   * guild. Return `undefined` (or register none) to let d-back check with
   * Discord itself: the token must be that user's and the user a member.
   */
  validateOAuth?: (guildId: string, token: string, user: DiscordUser) => Awaitable<boolean | undefined>;
  /** The Discord OAuth2 client id d-zone signs in with, for a guild. */
  getClientId?: (guildId: string) => Awaitable<string | undefined>;
  /** Answers a static request before d-back does; return nothing to let d-back serve it. */
  onStaticRequest?: (path: string, request: Request) => Awaitable<StaticReply | undefined | null>;
}

const ServerMap = jsonRecord(Id, ServerEntry, "must be an object keyed by guild id");

/** A bot's callbacks as a data source. */
export class LibrarySource implements DataSource {
  readonly name = "library";
  #callbacks: Callbacks;

  constructor(callbacks: Callbacks) {
    if (!callbacks.getServers) {
      throw new TypeError("d-back: register onGetServers before start(); the other data callbacks need it");
    }
    this.#callbacks = callbacks;
  }

  async servers(): Promise<GuildInfoInput[]> {
    const servers = await this.#callbacks.getServers!();
    const checked = v.safeParse(ServerMap, servers);
    if (!checked.success) throw new TypeError(`returned ${describeIssue(checked.issues[0])}`);
    return Object.entries(checked.output).map(([guildId, entry]) => ({ ...entry, guildId }));
  }

  users(guildId: string): Awaitable<MembersInput> {
    return this.#callbacks.getUsers?.(guildId) ?? {};
  }

  clientId(guildId: string): Awaitable<string | undefined> {
    return this.#callbacks.getClientId?.(guildId);
  }

  validateOAuth(guildId: string, token: string, user: DiscordUser): Awaitable<boolean | undefined> {
    return this.#callbacks.validateOAuth?.(guildId, token, user);
  }
}

/** Whether any data callback is registered (then the mock world is off). */
export const hasDataCallbacks = (c: Callbacks): boolean =>
  !!(c.getServers || c.getUsers || c.validateOAuth || c.getClientId);
