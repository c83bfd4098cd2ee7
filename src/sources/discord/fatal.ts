/**
 * Gateway endings d-back cannot recover from by reconnecting, and the one
 * line that tells the admin what to do about each. d-back stops with exit
 * code 2 on any of them (main.ts).
 */

/** A problem only the admin can fix (token, intents, sharding); its message is the line to print. */
export class DiscordFatalError extends Error {
  override name = "DiscordFatalError";
}

export const TOKEN_WRONG = "Discord refused the bot token: the token is wrong or was reset " +
  "(copy it again from the Developer Portal → your application → Bot → Reset Token)";

/** Close codes after which Discord will not take the same session or identify again as it was. */
export const FATAL_CLOSE_CODES: ReadonlyMap<number, string> = new Map([
  [4004, TOKEN_WRONG],
  [4010, "Discord closed the gateway: invalid shard (4010)"],
  [4011, "Discord closed the gateway: the bot is in too many guilds for one connection and needs sharding (4011)"],
  [4012, "Discord closed the gateway: invalid API version (4012); check --discord-api-base"],
  [4013, "Discord closed the gateway: invalid intents (4013)"],
]);

/** The application flags that say a privileged intent is switched on (full or "limited", for unverified bots). */
const PRIVILEGED = [
  { name: "Presence Intent", flags: (1 << 12) | (1 << 13) },
  { name: "Server Members Intent", flags: (1 << 14) | (1 << 15) },
  { name: "Message Content Intent", flags: (1 << 18) | (1 << 19) },
] as const;

/** The privileged intents an application's flags say are off. */
export function missingIntents(flags: number): string[] {
  return PRIVILEGED.filter((p) => (flags & p.flags) === 0).map((p) => p.name);
}

/** The line for close code 4014, naming the intents to switch on when the application's flags are known. */
export function disallowedIntents(applicationId: string | undefined, flags: number | undefined): string {
  const where = `Developer Portal → ${applicationId ? `https://discord.com/developers/applications/${applicationId}/bot` : "your application → Bot"}`;
  const missing = flags === undefined ? [] : missingIntents(flags);
  const what = missing.length ? missing.join(", ") : "Presence Intent, Server Members Intent and Message Content Intent";
  return `Discord refused the privileged intents d-back needs: switch on ${what} under Privileged Gateway Intents (${where}), then start d-back again`;
}
