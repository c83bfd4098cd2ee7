import { DiscordAPIError, REST } from "@discordjs/rest";
import { type SessionInfo, WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import { GatewayIntentBits, GatewayOpcodes, Routes } from "discord-api-types/v10";
import type { Logger } from "../../log.ts";
import { RepeatedLines } from "../../log-repeats.ts";
import { GuardedShardingStrategy } from "./gateway-guard.ts";
import { DiscordFatalError, disallowedIntents, FATAL_CLOSE_CODES, TOKEN_WRONG } from "./fatal.ts";
import type { MemberRequest } from "./member-requests.ts";

/** What d-back reads: guilds, members and their presences, and messages with their text. */
export const INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences |
  GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

export interface GatewayOptions {
  token: string;
  /** Discord's HTTP API with its version, e.g. https://discord.com/api/v10. */
  apiBase: string;
  log: Logger;
  /** Every dispatch, in the order Discord sent it (READY, GUILD_CREATE, … and the replayed ones of a resume). */
  onDispatch(t: string, d: unknown): void;
  /** The session cannot go on (bad token, refused intents, …); the message is one line for the admin. */
  onFatal(error: DiscordFatalError): void;
  /** How long one call to Discord's HTTP API may take; default `REST_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/** One REST call's deadline, and how often a call that timed out or got a 5xx is tried again. */
const REST_TIMEOUT_MS = 10_000;
const REST_RETRIES = 3;

/** `https://discord.com/api/v10` → the REST client's `api` and `version`. */
export function splitApiBase(apiBase: string): { api: string; version: string } {
  const match = /^(.*)\/v(\d+)\/?$/.exec(apiBase);
  return match ? { api: match[1]!, version: match[2]! } : { api: apiBase.replace(/\/+$/, ""), version: "10" };
}

/**
 * One bot's gateway connection, through @discordjs/ws (simple sharding, no
 * worker threads, no compression: the runtime's own WebSocket and fetch
 * outside Node) and @discordjs/rest. The library heartbeats at HELLO's interval,
 * resumes after drops and re-identifies when it must; this class finds the
 * gateway, keeps the session to itself (not in the library's process-wide
 * store), turns fatal closes into one line, and never lets the token reach a
 * log line.
 */
export class GatewaySession {
  readonly rest: REST;
  #options: GatewayOptions;
  #manager: WebSocketManager;
  #session: SessionInfo | null = null;
  #latency: number | undefined;
  #state: "idle" | "connecting" | "ready" | "closed" = "idle";
  #applicationId: string | undefined;
  #fatal = false;
  /** Payloads the library could not have taken (gateway-guard.ts), logged once per kind per interval. */
  #malformed: RepeatedLines;
  /** Discord's 429s, which the REST client waits out by itself: without a line the admin would see a silent start. */
  #rateLimited: RepeatedLines;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#malformed = new RepeatedLines(options.log, "warn", "discord gateway payload dropped", undefined, "event");
    this.#rateLimited = new RepeatedLines(options.log, "warn", "discord rate limits d-back, waiting", undefined, "route");
    this.rest = new REST({
      ...splitApiBase(options.apiBase),
      timeout: options.timeoutMs ?? REST_TIMEOUT_MS,
      retries: REST_RETRIES,
      // Called for every limit the client meets; it only reports it (false: wait it out, as before).
      rejectOnRateLimit: (limit) => {
        const route = `${limit.method.toUpperCase()} ${limit.route}`;
        this.#rateLimited.note(route, { retryAfter: Math.round(limit.retryAfter / 100) / 10, global: limit.global });
        return false;
      },
    }).setToken(options.token);
    this.#manager = new WebSocketManager({
      token: options.token,
      intents: INTENTS,
      // One shard, whatever /gateway/bot recommends: member requests go to shard 0, and a bot too big for
      // one connection is told so by Discord (close 4011, a fatal line) rather than half served.
      shardCount: 1,
      rest: this.rest,
      compression: null,
      useIdentifyCompression: false,
      buildStrategy: (manager) => new GuardedShardingStrategy(manager, (kind, problem) => this.#malformed.note(kind, { problem })),
      retrieveSessionInfo: () => this.#session,
      updateSessionInfo: (_shard, info) => void (this.#session = info),
    });
    const m = this.#manager;
    m.on(WebSocketShardEvents.Dispatch, (payload) => {
      if (payload.t === "READY") this.#state = "ready";
      options.onDispatch(payload.t, payload.d);
    });
    m.on(WebSocketShardEvents.Resumed, () => (this.#state = "ready"));
    m.on(WebSocketShardEvents.HeartbeatComplete, (stats) => (this.#latency = stats.latency));
    m.on(WebSocketShardEvents.Closed, (code) => this.#closed(code));
    m.on(WebSocketShardEvents.Error, (error) => options.log.debug("discord gateway error", { error: this.#redact(error) }));
    m.on(WebSocketShardEvents.SocketError, (error) => options.log.debug("discord gateway socket error", { error: this.#redact(error) }));
    m.on(WebSocketShardEvents.Debug, (message) => options.log.debug("discord gateway", { detail: this.#redact(message) }));
  }

  /** The application id from READY, once known. */
  set applicationId(id: string | undefined) {
    this.#applicationId = id;
  }

  /**
   * Finds the gateway (`GET /gateway/bot`) and starts connecting. Rejects
   * with a DiscordFatalError when the token is refused, with an Error when
   * Discord cannot be reached; READY and the rest
   * come through `onDispatch`.
   */
  async start(): Promise<void> {
    this.#state = "connecting";
    const timeoutMs = this.#options.timeoutMs ?? REST_TIMEOUT_MS;
    // Nothing else is logged before READY: a Discord that does not answer would be a silent start of a minute.
    const slow = setTimeout(() => this.#options.log.warn("Discord has not answered yet, still trying", { url: `${this.#options.apiBase}/gateway/bot` }), timeoutMs);
    try {
      await this.#manager.fetchGatewayInformation();
    } catch (error) {
      this.#state = "closed";
      if (error instanceof DiscordAPIError && error.status === 401) throw new DiscordFatalError(TOKEN_WRONG);
      // Not the admin's mistake (Discord down, no network): a plain error, exit code 1.
      const why = (error as { name?: unknown } | null)?.name === "AbortError"
        ? `no answer within ${timeoutMs / 1000} s, ${REST_RETRIES + 1} tries`
        : this.#redact(error);
      throw new Error(`cannot reach Discord's gateway (GET ${this.#options.apiBase}/gateway/bot): ${why}`);
    } finally {
      clearTimeout(slow);
    }
    // Rejects when Discord allows no new session now (the daily identify limit): nothing to retry soon.
    this.#manager.connect().catch((error) => {
      if (this.#state !== "closed") this.#fail(Promise.resolve(`cannot start a Discord gateway session: ${this.#redact(error)}`));
    });
  }

  /** Request Guild Members (op 8). */
  requestMembers(request: MemberRequest): void {
    Promise.resolve(this.#manager.send(0, { op: GatewayOpcodes.RequestGuildMembers, d: request })).catch((error) =>
      this.#options.log.warn("discord member request failed", { guild: request.guild_id, error: this.#redact(error) })
    );
  }

  status(): Record<string, unknown> {
    return {
      connected: this.#state === "ready",
      state: this.#state,
      session: this.#session ? "open" : "none",
      ...(this.#latency !== undefined ? { latencyMs: this.#latency } : {}),
    };
  }

  get ready(): boolean {
    return this.#state === "ready";
  }

  async close(): Promise<void> {
    this.#malformed.close();
    this.#rateLimited.close();
    if (this.#state === "closed" && this.#fatal) return;
    this.#state = "closed";
    await Promise.resolve(this.#manager.destroy({ reason: "d-back is stopping" })).catch(() => {});
  }

  #closed(code: number): void {
    if (this.#state === "closed") return;
    this.#state = "connecting";
    if (code === 4014) return void this.#fail(this.#intentsLine());
    const line = FATAL_CLOSE_CODES.get(code);
    if (line !== undefined) return void this.#fail(Promise.resolve(line));
    this.#options.log.info("discord gateway closed, reconnecting", { code });
  }

  /** Asks Discord which privileged intents the application has switched on, to name the missing ones. */
  async #intentsLine(): Promise<string> {
    try {
      const app = await this.rest.get(Routes.currentApplication()) as { id?: string; flags?: number };
      return disallowedIntents(app.id ?? this.#applicationId, typeof app.flags === "number" ? app.flags : undefined);
    } catch {
      return disallowedIntents(this.#applicationId, undefined);
    }
  }

  async #fail(line: Promise<string>): Promise<void> {
    if (this.#fatal) return;
    this.#fatal = true;
    this.#state = "closed";
    await Promise.resolve(this.#manager.destroy({ reason: "fatal close" })).catch(() => {});
    this.#options.onFatal(new DiscordFatalError(await line));
  }

  /** Text of an error or message with the token cut out, whatever a library put in it. */
  #redact(value: unknown): string {
    const text = value instanceof Error ? value.message : String(value);
    return text.split(this.#options.token).join("[token]");
  }
}
