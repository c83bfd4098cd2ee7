import type { MessageCreate } from "./schemas.ts";
import { displayName, type Roster } from "./roster.ts";

/** Longest text a creature says; Discord allows 4000 characters, a speech bubble does not. */
export const MAX_MESSAGE = 300;
/** Discord's own limit for a message (with Nitro): what is read of a message's text at most. */
const MAX_SOURCE = 4000;

/**
 * A message's text as d-zone should show it: mentions of members, channels
 * and roles become `@name`, `#name` and `@role`; custom emoji become
 * `:name:`; the result is cut to `MAX_MESSAGE` characters (without
 * splitting a surrogate pair). Names come from the message's own mentions
 * first, then the guild's roster.
 */
export function renderMessage(message: MessageCreate, roster: Roster | undefined): string {
  // Only the start can be shown: rendering a hostile megabyte (or 100 000 mentions) whole would stall every viewer.
  const source = message.content.slice(0, MAX_SOURCE);
  // Every markup form starts with "<": most messages have none and skip the four passes (this runs once per message).
  const text = (source.includes("<") ? renderMarkup(source, message, roster) : source).trim();
  // Up to MAX_MESSAGE UTF-16 units is at most MAX_MESSAGE characters: nothing to cut, no need to split it into characters.
  if (text.length <= MAX_MESSAGE) return text;
  const chars = [...text.slice(0, MAX_MESSAGE * 2)];
  return chars.length > MAX_MESSAGE || text.length > MAX_MESSAGE * 2 ? chars.slice(0, MAX_MESSAGE - 1).join("") + "…" : text;
}

/** Mentions, channels, roles and custom emoji of `text` as names. */
function renderMarkup(text: string, message: MessageCreate, roster: Roster | undefined): string {
  let mentioned: Map<string, string> | undefined;
  return text
    .replace(/<@!?(\d+)>/g, (_, id: string) => {
      mentioned ??= new Map(message.mentions.map((u) => [u.id, u.member?.nick || u.global_name || u.username || u.id]));
      const member = roster?.members.get(id);
      return `@${mentioned.get(id) ?? (member ? displayName(member) : "unknown-user")}`;
    })
    .replace(/<#(\d+)>/g, (_, id: string) => `#${roster?.channels.get(id) ?? "unknown-channel"}`)
    .replace(/<@&(\d+)>/g, (_, id: string) => `@${roster?.roles.get(id)?.name ?? "unknown-role"}`)
    .replace(/<a?:(\w+):\d+>/g, ":$1:");
}
