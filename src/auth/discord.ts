import * as v from "valibot";
import { Id } from "../protocol/user.ts";
import { secretKey } from "../secret.ts";
import { ExpiringMap } from "./expiring-map.ts";
import { isBearerToken } from "./bearer-token.ts";
import type { Clock } from "./failures.ts";

/** How d-back asks Discord who a sign-in token belongs to. */
export interface DiscordOptions {
  /** The OAuth2 client id d-zone signs in with, for guilds that bring none of their own. */
  clientId?: string;
  /** Discord's HTTP API. Default https://discord.com/api/v10. */
  apiBase?: string;
  /** How long one call to Discord may take, in ms. Default 3000. */
  timeoutMs?: number;
  /** How long a token Discord has confirmed is trusted without asking again, in ms. Default 300 000. */
  cacheMs?: number;
}

export const DISCORD_API = "https://discord.com/api/v10";

/**
 * Whom Discord says a token belongs to, or why that is not known.
 * `unavailable` failures are Discord's (slow, down, rate limited), not the viewer's.
 */
export type Identity = { ok: true; id: string; cached: boolean } | { ok: false; unavailable: boolean; reason: string };

/** The part of `GET /users/@me` d-back reads. */
const Me = v.object({ id: Id });
/** Discord's 429 body; `Retry-After` says the same in whole seconds. */
const RateLimited = v.object({ retry_after: v.pipe(v.number(), v.finite(), v.minValue(0)) });

/** Longest pause a 429 can impose; a wild `Retry-After` must not lock sign-ins for days. */
const MAX_RETRY_MS = 3_600_000;
/** When a 429 says nothing usable about how long to wait. */
const DEFAULT_RETRY_MS = 5_000;
/** `/users/@me` is a few hundred bytes; anything far larger is not Discord. */
const MAX_BODY = 64 * 1024;

/**
 * Asks Discord's `GET /users/@me` whom a bearer token belongs to, with a
 * deadline on every call, a short memory of confirmed tokens (keyed by the
 * token's SHA-256, never the token), one call at a time per token, and
 * respect for Discord's 429s: after one, Discord is not asked again (for that
 * token, or at all when the limit is global) until `Retry-After` has passed.
 */
export class DiscordIdentity {
  readonly apiBase: string;
  readonly timeoutMs: number;
  readonly cacheMs: number;
  #now: Clock;
  #known: ExpiringMap<string>;
  #limitedTokens: ExpiringMap<true>;
  #limitedUntil = 0;
  #pending = new Map<string, Promise<Identity>>();

  constructor(options: DiscordOptions = {}, now: Clock = Date.now) {
    this.apiBase = (options.apiBase ?? DISCORD_API).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.cacheMs = options.cacheMs ?? 300_000;
    this.#now = now;
    this.#known = new ExpiringMap(now);
    this.#limitedTokens = new ExpiringMap(now);
  }

  identify(token: string): Promise<Identity> {
    if (!isBearerToken(token)) return Promise.resolve({ ok: false, unavailable: false, reason: "the token is not a bearer token" });
    const key = secretKey(token);
    const id = this.#known.get(key);
    if (id !== undefined) return Promise.resolve({ ok: true, id, cached: true });
    if (this.#now() < this.#limitedUntil || this.#limitedTokens.get(key)) {
      return Promise.resolve(unavailable("Discord rate limit: not asking again before Retry-After has passed"));
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#ask(token, key).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #ask(token: string, key: string): Promise<Identity> {
    let response: Response;
    let body: string;
    try {
      response = await fetch(`${this.apiBase}/users/@me`, {
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
        // A redirect would carry the token somewhere else; Discord never sends one here.
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = response.status === 200 || response.status === 429 ? await response.text() : "";
      if (!body) await response.body?.cancel();
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        return unavailable(`Discord did not answer within ${this.timeoutMs} ms`);
      }
      return unavailable(`Discord could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status === 200) {
      const me = body.length <= MAX_BODY ? v.safeParse(Me, parseJson(body)) : undefined;
      if (!me?.success) return unavailable("Discord answered 200 without a user id");
      this.#known.set(key, me.output.id, this.cacheMs);
      return { ok: true, id: me.output.id, cached: false };
    }
    if (response.status === 429) {
      const ms = retryAfterMs(response.headers, body);
      if (response.headers.get("x-ratelimit-scope") === "user") this.#limitedTokens.set(key, true, ms);
      else this.#limitedUntil = Math.max(this.#limitedUntil, this.#now() + ms);
      return unavailable(`Discord rate limit (429): not asking again for ${Math.ceil(ms / 1000)} s`);
    }
    if (response.status === 401 || response.status === 403) {
      return { ok: false, unavailable: false, reason: `Discord refused the token (${response.status})` };
    }
    return unavailable(`Discord answered ${response.status}`);
  }
}

const unavailable = (reason: string): Identity => ({ ok: false, unavailable: true, reason });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * How long a 429 asks us to wait: `Retry-After` (seconds, or an HTTP date),
 * else the body's `retry_after`, else a default; never less than 1 ms.
 */
function retryAfterMs(headers: Headers, body: string): number {
  const header = headers.get("retry-after")?.trim() ?? "";
  const fromBody = v.safeParse(RateLimited, parseJson(body));
  let ms = DEFAULT_RETRY_MS;
  if (/^\d+(\.\d+)?$/.test(header)) ms = Number(header) * 1000;
  else if (header && !Number.isNaN(Date.parse(header))) ms = Date.parse(header) - Date.now();
  else if (fromBody.success) ms = fromBody.output.retry_after * 1000;
  return Math.min(Math.max(Math.ceil(ms), 1), MAX_RETRY_MS);
}
