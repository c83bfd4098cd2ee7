import * as v from "valibot";
import { GuildInfo, Members } from "./protocol/guild.ts";
import type { Connect } from "./protocol/inbound.ts";
import { describeIssue } from "./protocol/issues.ts";
import { ErrorText } from "./protocol/errors.ts";
import type { Guild } from "./state/guild.ts";
import type { State } from "./state/state.ts";
import type { RoomHooks } from "./hub.ts";
import type { DataSource, DiscordUser } from "./sources/source.ts";
import type { Logger } from "./log.ts";
import { secretEquals } from "./secret.ts";
import { freshCall } from "./fresh-call.ts";
import type { DiscordIdentity } from "./auth/discord.ts";
import { isBearerToken } from "./auth/bearer-token.ts";
import type { FailureLimiter } from "./auth/failures.ts";
import { type Meter, noMeter } from "./metrics/meter.ts";
import { CompositeSource } from "./sources/composite.ts";

/** A data source that threw, timed out, or answered with data of the wrong shape. */
export class SourceError extends Error {
  override name = "SourceError";
}

const GuildList = v.array(GuildInfo);

/** Who is asking to sign in: a viewer's connection and remote address, the keys failures are counted by. */
export interface Asker {
  id: number;
  address: string;
}

/** How passworded guilds are guarded: d-back's own Discord check, and the limit on failed attempts. */
export interface Guard {
  /** Only `identify` is asked of it: the server loads the real one at the first Discord sign-in. */
  discord: Pick<DiscordIdentity, "identify">;
  failures: FailureLimiter;
}

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
  #guard: Guard;
  #lastList: unknown;
  #loading = new Map<string, Promise<void>>();
  #watching = new Map<string, () => void>();
  #meter: Meter;

  constructor(
    source: DataSource,
    state: State,
    log: Logger,
    timeoutMs: number | undefined,
    guard: Guard,
    meter: Meter = noMeter,
  ) {
    this.#meter = meter;
    this.source = source;
    this.state = state;
    this.#log = log;
    this.#timeoutMs = timeoutMs ?? 5000;
    this.#guard = guard;
  }

  /**
   * Pulls the guild list from the source into state (skipped when the source
   * returns the same array). Every viewer's open and every connect to a guild
   * not known yet asks for it: callers share the calls (`freshCall`), so a
   * crowd of them never has a slow source asked more than once at a time.
   */
  readonly refresh: () => Promise<void> = freshCall(() => this.#refresh());

  async #refresh(): Promise<void> {
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
    if (guild.ownClientId === undefined && this.source.clientId) {
      const clientId = await this.#ask(`clientId(${guildId})`, () => this.source.clientId!(guildId));
      if (clientId) guild.setClientId(String(clientId));
    }
    if (!guild.loaded) this.state.setMembers(guildId, members);
  }

  /**
   * Decides whether a `connect` may view a passworded guild. Returns the
   * error text to answer with, or undefined when access is granted.
   *
   * A connect that carries a sign-in or a password is an attempt; each one
   * refused counts against its connection and its remote address, and once
   * either has used up its failures further attempts are refused before any
   * check runs (so neither Discord nor the password is consulted). Attempts
   * still being checked count as failures until they end, so a burst of
   * simultaneous sign-ins cannot get past the limit while Discord is asked.
   */
  async authorize(guild: Guild, data: Connect["data"], asker: Asker): Promise<string | undefined> {
    const refusal = await this.#authorize(guild, data, asker);
    this.#meter.signIn(refusal === undefined ? "accepted" : refusal === ErrorText.tooManyAttempts ? "limited" : "refused");
    return refusal;
  }

  async #authorize(guild: Guild, data: Connect["data"], asker: Asker): Promise<string | undefined> {
    const { discordToken, discordUser, password } = data;
    const signIn = discordToken && discordUser ? { token: discordToken, user: discordUser } : undefined;
    if (!signIn && !password) return ErrorText.authRequired;
    const keys = [`connection ${asker.id}`, `address ${asker.address}`];
    const fields = { viewer: asker.id, addr: asker.address, guild: guild.guildId };
    const attempt = this.#guard.failures.begin(keys);
    if (!attempt) {
      this.#log.debug("sign-in refused: too many failed attempts", fields);
      return ErrorText.tooManyAttempts;
    }
    let refusal: string | undefined;
    try {
      refusal = signIn ? await this.#signIn(guild, signIn.token, signIn.user, asker) : this.#password(guild, password!, asker);
    } finally {
      // A source that failed is no verdict on the viewer: the place is given back.
      if (!refusal) attempt.release();
    }
    if (!refusal) return undefined;
    // Once per lockout, not once per refused attempt: a flood must not flood the log too.
    if (attempt.fail()) this.#log.warn("sign-in attempts limited", { ...fields, failures: this.#guard.failures.failures });
    return refusal;
  }

  /** The legacy password, compared in constant time; a wrong one is answered as no credentials at all. */
  #password(guild: Guild, password: string, asker: Asker): string | undefined {
    const expected = guild.info.password;
    if (expected !== undefined && secretEquals(password, expected)) return undefined;
    this.#log.debug("sign-in refused: wrong password", { viewer: asker.id, guild: guild.guildId });
    return ErrorText.authRequired;
  }

  /**
   * A Discord sign-in: the source decides when it has an opinion (a bot's
   * validator, the mock world); otherwise d-back checks that the user is a
   * member of the guild and that Discord says the token is that user's.
   */
  async #signIn(guild: Guild, token: string, claimed: DiscordUser, asker: Asker): Promise<string | undefined> {
    const guildId = guild.guildId;
    const user = { id: claimed.id, username: claimed.username };
    // Checked before anyone sees it: a token that could not even be sent in a header is refused, never logged.
    if (!isBearerToken(token)) {
      this.#log.debug("sign-in refused", { viewer: asker.id, guild: guildId, user: user.id ?? undefined, reason: "the token is not a bearer token" });
      return ErrorText.authFailed;
    }
    const opinion = await this.#ask(`validateOAuth(${guildId})`, () => this.source.validateOAuth?.(guildId, token, user));
    if (opinion !== undefined) return opinion === true ? undefined : ErrorText.authFailed;
    const refuse = (reason: string, unavailable = false) => {
      const fields = { viewer: asker.id, guild: guildId, user: user.id ?? undefined, reason };
      if (unavailable) this.#log.warn("sign-in failed: Discord unavailable", fields);
      else this.#log.debug("sign-in refused", fields);
      return ErrorText.authFailed;
    };
    if (!user.id || !user.username) return refuse("discordUser needs an id and a username");
    await this.load(guild);
    // Members first: a stranger's token is never sent to Discord.
    if (!this.state.get(guildId)?.member(user.id)) return refuse("not a member of the guild");
    const identity = await this.#guard.discord.identify(token);
    if (!identity.ok) return refuse(identity.reason, identity.unavailable);
    if (identity.id !== user.id) return refuse(`the token belongs to another user (${identity.id})`);
    this.#log.debug("sign-in accepted", { viewer: asker.id, guild: guildId, user: user.id, cached: identity.cached });
    return undefined;
  }

  active(guildId: string): void {
    const watch = this.source.watch;
    if (!watch || this.#watching.has(guildId)) return;
    const state = this.state;
    const meter = this.#meter;
    // Events are counted under the source that owns the guild, not under a composite's joined name.
    const name = this.source instanceof CompositeSource ? this.source.ownerName(guildId) : this.source.name;
    let stop: () => void;
    try {
      stop = watch.call(this.source, guildId, {
        uids: () => state.get(guildId)?.uids() ?? [],
        presence: (data) => meter.event(name, "presence", () => state.presence(guildId, data)),
        message: (data) => meter.event(name, "message", () => state.message(guildId, data)),
      });
    } catch (error) {
      // The viewers keep what they were sent; the feed is tried again when the guild next becomes active.
      this.#log.error("source watch failed", { source: this.source.name, guild: guildId, error: String(error) });
      return;
    }
    this.#watching.set(guildId, stop);
    this.#log.debug("guild active", { guild: guildId });
  }

  idle(guildId: string): void {
    const stop = this.#watching.get(guildId);
    if (!stop) return;
    this.#watching.delete(guildId);
    try {
      stop();
    } catch (error) {
      this.#log.error("source unwatch failed", { source: this.source.name, guild: guildId, error: String(error) });
    }
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
