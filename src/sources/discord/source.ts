import * as v from "valibot";
import type { GuildInfo, Members } from "../../protocol/guild.ts";
import type { PresenceData } from "../../protocol/events.ts";
import type { Writes } from "../../state/writes.ts";
import { createLogger, type Logger } from "../../log.ts";
import type { DataSource } from "../source.ts";
import { compareIds, DiscordSettings, guildAllowed, guildSettings } from "./guild-settings.ts";
import { ShortIdBook } from "./short-ids.ts";
import type { DiscordFatalError } from "./fatal.ts";
import { GatewaySession } from "./gateway.ts";
import { MemberRequests } from "./member-requests.ts";
import { Roster } from "./roster.ts";
import { applyDispatch } from "./dispatch.ts";
import { RepeatedLines } from "../../log-repeats.ts";
import { redactedLog } from "./redacted-log.ts";
import { type Meter, noMeter } from "../../metrics/meter.ts";

/** How long readiness waits for a guild READY named (Discord sends them within seconds, unless it is in an outage). */
const UNAVAILABLE_AFTER_MS = 30_000;

export interface DiscordBotOptions {
  /** The bot token (Developer Portal → Bot). Never logged. */
  token: string;
  /** Which guilds, their short ids, passwords, hidden bots and offline members (the config file's `discord` key). */
  settings?: DiscordSettings;
  /** Called when the session cannot go on (bad token, refused intents); default: log it. The command exits with 2. */
  onFatal?: (error: DiscordFatalError) => void;
  /** Least time between two full member requests for one guild, in ms (Discord: 30 000). */
  memberRequestIntervalMs?: number;
}

export interface DiscordSourceOptions extends DiscordBotOptions {
  /** Discord's HTTP API with its version. Default https://discord.com/api/v10. */
  apiBase?: string;
  /** d-back's own OAuth2 client id (`--discord-client-id`); without it guilds sign in with the bot's application. */
  clientId?: string;
  log?: Logger;
  /** Counts the presences and messages that reach viewers (the admin port's metrics). */
  meter?: Meter;
}

/**
 * The guilds a bot is in, live from Discord's gateway. Guild lists and
 * members are kept in one `Roster` per guild; every change is written to
 * state as the presences that describe it, so viewers see what Discord says
 * in the order Discord said it. A guild is "complete" once all its members
 * are known in the current session (from GUILD_CREATE, or from member
 * chunks for a large one); until then nothing is sent for it, and when it
 * completes state receives the whole member list, which tells viewers only
 * what differs from what they have — this is also how a new session after a
 * drop (re-identify) is reconciled.
 */
export class DiscordSource implements DataSource {
  readonly name = "discord";
  /** Where its changes go: State, or in a cluster the gateway lease's fenced writes onto the bus. */
  readonly state: Writes;
  readonly settings: DiscordSettings;
  readonly log: Logger;
  readonly meter: Meter;
  readonly gateway: GatewaySession;
  readonly requests: MemberRequests;
  readonly rosters = new Map<string, Roster>();
  /** Guilds whose members are all known in this session. */
  readonly complete = new Set<string>();
  /** Guilds READY named that have not arrived yet (nor gone unavailable). */
  readonly expected = new Set<string>();
  #expectTimer: ReturnType<typeof setTimeout> | undefined;
  applicationId: string | undefined;
  /** READY has come in this process. */
  sawReady = false;
  inviteLogged = false;
  /** "guilds loaded" was logged for this session. */
  loadedLogged = false;
  #options: DiscordSourceOptions;
  /** Dispatches dropped and items left out, logged once per event name per interval: a broken gateway must not flood the log. */
  #refused: RepeatedLines;
  #leftOut: RepeatedLines;
  /** Short ids of the guilds in `rosters`, kept up to date guild by guild. */
  #shortIds: ShortIdBook;
  /** What state was last told about each guild. */
  #infos = new Map<string, GuildInfo>();
  /** `servers()`, sorted once per change of the list (the same array until then tells World nothing changed). */
  #list: readonly GuildInfo[] | undefined;
  /**
   * The guild shown when d-zone asks for none: the configured default while the bot is in it, else the
   * oldest (smallest id). Chosen here, not by arrival order, which Discord does not keep from one start to the next.
   */
  #defaultId: string | undefined;
  /** The guild the config file marks `default`, if any. */
  #configuredDefault: string | undefined;

  constructor(state: Writes, options: DiscordSourceOptions) {
    this.state = state;
    this.#options = options;
    this.settings = options.settings ?? v.parse(DiscordSettings, {});
    this.#shortIds = new ShortIdBook(this.settings);
    this.#configuredDefault = Object.entries(this.settings.guilds).find(([, g]) => g.default)?.[0];
    this.log = redactedLog(options.log ?? createLogger("silent"), options.token);
    this.meter = options.meter ?? noMeter;
    this.#refused = new RepeatedLines(this.log, "warn", "discord event not applied", undefined, "event");
    this.#leftOut = new RepeatedLines(this.log, "warn", "discord event items left out", undefined, "event");
    this.gateway = new GatewaySession({
      token: options.token,
      apiBase: options.apiBase ?? "https://discord.com/api/v10",
      log: this.log,
      onDispatch: (t, d) => this.#dispatch(t, d),
      onFatal: (error) => (options.onFatal ?? ((e) => this.log.error(e.message)))(error),
    });
    this.requests = new MemberRequests((request) => this.gateway.requestMembers(request), options.memberRequestIntervalMs);
  }

  /** Finds the gateway and starts the session; rejects with a DiscordFatalError on a refused token. */
  connect(): Promise<void> {
    return this.gateway.start();
  }

  servers(): readonly GuildInfo[] {
    return this.#list ??= [...this.#infos.values()].sort((a, b) => compareIds(a.guildId, b.guildId));
  }

  users(guildId: string): Members {
    return this.rosters.get(guildId)?.users() ?? {};
  }

  /** READY came and every guild it named has arrived with all its members. */
  ready(): boolean {
    return this.sawReady && this.gateway.ready && this.expected.size === 0 && [...this.rosters.keys()].every((id) => this.complete.has(id));
  }

  status(): Record<string, unknown> {
    return {
      ...this.gateway.status(),
      guilds: this.rosters.size,
      loading: [...this.rosters.keys()].filter((id) => !this.complete.has(id)).length,
      memberRequests: this.requests.sent,
    };
  }

  /**
   * The guilds a READY named. Discord sends each one's GUILD_CREATE soon
   * after; one still missing after `UNAVAILABLE_AFTER_MS` is in an outage,
   * and readiness no longer waits for it (it is shown when it comes).
   */
  expect(guildIds: readonly string[]): void {
    this.expected.clear();
    for (const id of guildIds) this.expected.add(id);
    clearTimeout(this.#expectTimer);
    this.#expectTimer = setTimeout(() => {
      for (const guild of this.expected) this.log.warn("discord guild unavailable since READY", { guild });
      this.expected.clear();
    }, UNAVAILABLE_AFTER_MS);
  }

  async close(): Promise<void> {
    clearTimeout(this.#expectTimer);
    this.#refused.close();
    this.#leftOut.close();
    this.requests.reset();
    await this.gateway.close();
  }

  /** Whether d-back shows this guild (the allow-list). */
  allowed(guildId: string): boolean {
    return guildAllowed(this.settings, guildId);
  }

  /** A new roster for a guild, hiding what its settings say. */
  roster(guildId: string, name: string): Roster {
    const s = guildSettings(this.settings, guildId);
    return new Roster(guildId, name, { hideBots: s.hideBots, hideOffline: s.hideOffline });
  }

  /** Presences for a complete guild go to its viewers; an incomplete one is settled when it completes. */
  emit(guildId: string, presences: PresenceData[]): void {
    if (!this.complete.has(guildId)) return;
    for (const p of presences) this.meter.event("discord", "presence", () => this.state.presence(guildId, p));
  }

  /** All of a guild's members are known: state takes them whole, and viewers get only what changed. */
  settle(guildId: string): void {
    const roster = this.rosters.get(guildId);
    const info = this.#infos.get(guildId);
    if (!roster || !info) return;
    // Statuses of people who turned out not to be members (presences that came while the list was loading).
    for (const uid of roster.statuses.keys()) if (!roster.members.has(uid)) roster.statuses.delete(uid);
    this.complete.add(guildId);
    this.state.putGuild(info, roster.users());
    if (!this.loadedLogged && this.ready()) {
      this.loadedLogged = true;
      this.log.info("discord guilds loaded", { guilds: this.rosters.size, members: [...this.rosters.values()].reduce((n, r) => n + r.members.size, 0) });
    }
  }

  /**
   * Tells state about a guild that came or was renamed, and about the guilds
   * whose short id that moved. Each GUILD_CREATE costs only its own guild
   * (and the rare guild it displaces), never the whole list: thousands of
   * guilds arriving after READY would otherwise take seconds.
   */
  show(guildId: string, name: string): void {
    const moved = this.#shortIds.set(guildId, name);
    const before = this.#defaultId;
    if (before === undefined || (before !== this.#configuredDefault && (guildId === this.#configuredDefault || compareIds(guildId, before) < 0))) {
      this.#defaultId = guildId;
    }
    // The old default first, so state never holds two guilds marked default.
    if (before !== undefined && before !== this.#defaultId) this.#put(before);
    this.#put(guildId);
    for (const id of moved) if (id !== guildId) this.#put(id);
  }

  /** After the default guild went: the configured one if present, else the oldest left (a walk, but only when the default goes). */
  #chooseDefault(): void {
    const configured = this.#configuredDefault;
    let chosen = configured !== undefined && this.rosters.has(configured) ? configured : undefined;
    if (chosen === undefined) for (const id of this.rosters.keys()) if (chosen === undefined || compareIds(id, chosen) < 0) chosen = id;
    this.#defaultId = chosen;
    if (chosen !== undefined) this.#put(chosen);
  }

  /** Tells state about every guild again (READY: the application, hence the client id, is known now). */
  publishAll(): void {
    for (const guildId of this.rosters.keys()) this.#put(guildId);
  }

  /** Writes a guild's info to state when it differs from what state has. */
  #put(guildId: string): void {
    const roster = this.rosters.get(guildId);
    const id = this.#shortIds.get(guildId);
    if (!roster || id === undefined) return;
    const s = guildSettings(this.settings, guildId);
    const clientId = this.#options.clientId ? undefined : this.applicationId;
    const info: GuildInfo = {
      guildId,
      id,
      name: roster.name,
      default: guildId === this.#defaultId,
      passworded: s.passworded,
      ...(s.password !== undefined ? { password: s.password } : {}),
      ...(clientId ? { clientId } : {}),
    };
    const old = this.#infos.get(guildId);
    if (old && old.id === info.id && old.name === info.name && old.clientId === info.clientId && old.default === info.default) return;
    this.#infos.set(guildId, info);
    this.#list = undefined;
    this.state.putGuild(info);
  }

  /** The bot left the guild (or it is no longer allowed): gone from the list, its viewers told. */
  drop(guildId: string): void {
    this.rosters.delete(guildId);
    this.complete.delete(guildId);
    this.expected.delete(guildId);
    this.requests.forget(guildId);
    this.#infos.delete(guildId);
    this.#list = undefined;
    for (const id of this.#shortIds.delete(guildId)) this.#put(id);
    this.state.removeGuild(guildId);
    if (guildId === this.#defaultId) this.#chooseDefault();
  }

  /** Some items of a dispatch's lists were bad and left out (the first problem is logged). */
  itemsLeftOut(t: string, problems: string[]): void {
    this.#leftOut.note(t, { items: problems.length, problem: problems[0] });
  }

  #dispatch(t: string, d: unknown): void {
    try {
      applyDispatch(this, t, d);
    } catch (error) {
      this.#refused.note(t, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
