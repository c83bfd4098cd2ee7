import type { Guard } from "../world.ts";
import type { ServerOptions } from "../server-options.ts";
import { once } from "../once.ts";
import { FailureLimiter } from "./failures.ts";

/**
 * A server's guard of passworded guilds, from its options: the limit on
 * failed sign-ins, and d-back's own Discord check, whose code (and token
 * cache) loads at the first Discord sign-in rather than before the first
 * request (cold start).
 */
export function signInGuard({ discord, signInLimits, now = Date.now }: Pick<ServerOptions, "discord" | "signInLimits" | "now">): Guard {
  const identity = once(async () => new (await import("./discord.ts")).DiscordIdentity(discord, now));
  return {
    discord: { identify: async (token) => (await identity()).identify(token) },
    failures: new FailureLimiter(signInLimits, now),
  };
}
