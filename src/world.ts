import * as v from "valibot";
import { GuildInfo, Members } from "./protocol/guild.ts";
import type { Connect } from "./protocol/inbound.ts";
import { describeIssue } from "./protocol/issues.ts";
import { ErrorText } from "./protocol/errors.ts";
import type { Guild } from "./state/guild.ts";
import type { State } from "./state/state.ts";
import type { RoomHooks } from "./hub.ts";
import type { DataSource } from "./source/source.ts";
import type { Logger } from "./log.ts";
import { secretEquals } from "./secret.ts";

/** A data source that threw, timed out, or answered with data of the wrong shape. */
export class SourceError extends Error {
  override name = "SourceError";
}

const GuildList = v.array(GuildInfo);

/**
 * The data source seen through state: asks the source only for what state
 * does not hold yet, checks every answer, and runs a guild's live feed while
 * the guild has viewers.
 */
export class World implements RoomHooks {
  readonly source: DataSource;
  readonly state: State;
  #log: Logger;
  #timeoutMs: number;
  #lastList: unknown;
  #loading = new Map<string, Promise<void>>();
  #watching = new Map<string, () => void>();

  constructor(source: DataSource, state: State, log: Logger, timeoutMs = 5000) {
    this.source = source;
    this.state = state;
    this.#log = log;
    this.#timeoutMs = timeoutMs;
  }

  /** Pulls the guild list from the source into state (skipped when the source returns the same array). */
  async refresh(): Promise<void> {
    const list = await this.#ask("servers()", () => this.source.servers());
    if (list === this.#lastList) return;
    this.state.setGuilds(this.#check(GuildList, list, "servers()"));
    this.#lastList = list;
  }

  /** Finds the guild a viewer asked for, pulling the list again once if it is not known yet. */
  async find(request: string): Promise<Guild | undefined> {
    const known = this.state.find(request);
    if (known) return known;
    await this.refresh();
    return this.state.find(request);
  }

  /** Makes sure the guild's members are in state; concurrent joins share one request. */
  load(guild: Guild): Promise<void> {
    if (guild.loaded) return Promise.resolve();
    const guildId = guild.guildId;
    let pending = this.#loading.get(guildId);
    if (!pending) {
      pending = this.#load(guild).finally(() => this.#loading.delete(guildId));
      this.#loading.set(guildId, pending);
    }
    return pending;
  }

  async #load(guild: Guild): Promise<void> {
    const guildId = guild.guildId;
    const members = this.#check(Members, await this.#ask(`users(${guildId})`, () => this.source.users(guildId)), `users(${guildId})`);
    if (guild.clientId === undefined && this.source.clientId) {
      const clientId = await this.#ask(`clientId(${guildId})`, () => this.source.clientId!(guildId));
      if (clientId) guild.setClientId(String(clientId));
    }
    if (!guild.loaded) this.state.setMembers(guildId, members);
  }

  /**
   * Decides whether a `connect` may view a passworded guild. Returns the
   * error text to answer with, or undefined when access is granted.
   */
  async authorize(guild: Guild, data: Connect["data"]): Promise<string | undefined> {
    const { discordToken, discordUser } = data;
    if (discordToken && discordUser) {
      const user = { id: discordUser.id, username: discordUser.username };
      const ok = await this.#ask(
        `validateOAuth(${guild.guildId})`,
        () => this.source.validateOAuth?.(guild.guildId, discordToken, user),
      );
      // No opinion from the source: refuse until d-back validates with Discord itself.
      return ok === true ? undefined : ErrorText.authFailed;
    }
    const expected = guild.info.password;
    if (data.password && expected !== undefined && secretEquals(data.password, expected)) return undefined;
    return ErrorText.authRequired;
  }

  active(guildId: string): void {
    const watch = this.source.watch;
    if (!watch || this.#watching.has(guildId)) return;
    const state = this.state;
    const stop = watch.call(this.source, guildId, {
      uids: () => state.get(guildId)?.uids() ?? [],
      presence: (data) => state.presence(guildId, data),
      message: (data) => state.message(guildId, data),
    });
    this.#watching.set(guildId, stop);
    this.#log.debug("guild active", { guild: guildId });
  }

  idle(guildId: string): void {
    const stop = this.#watching.get(guildId);
    if (!stop) return;
    this.#watching.delete(guildId);
    stop();
    this.#log.debug("guild idle", { guild: guildId });
  }

  /** Guilds whose live feed is running. */
  get watching(): number {
    return this.#watching.size;
  }

  /** Stops every live feed (shutdown). */
  close(): void {
    for (const guildId of [...this.#watching.keys()]) this.idle(guildId);
  }

  /** Calls the source; a throw, a rejection or a slow promise becomes a SourceError. */
  async #ask<T>(what: string, call: () => T | Promise<T>): Promise<T> {
    const fail = (error: unknown) =>
      error instanceof SourceError ? error : new SourceError(`${this.source.name} source: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    let result: T | Promise<T>;
    try {
      result = call();
    } catch (error) {
      throw fail(error);
    }
    if (!(result instanceof Promise)) return result;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SourceError(`${this.source.name} source: ${what} took longer than ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([result, timeout]);
    } catch (error) {
      throw fail(error);
    } finally {
      clearTimeout(timer);
    }
  }

  #check<S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> {
    const result = v.safeParse(schema, value);
    if (result.success) return result.output;
    throw new SourceError(`${this.source.name} source: ${what} returned invalid data: ${describeIssue(result.issues[0])}`);
  }
}
