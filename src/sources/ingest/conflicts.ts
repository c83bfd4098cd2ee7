import type { GuildInfo } from "../../protocol/guild.ts";
import type { Problem } from "../../protocol/issues.ts";

/**
 * What a guild PUT would make ambiguous among the ingest guilds: a short id
 * another guild already has (d-zone's `?s=` would pick one of them), or a
 * second `default: true` (viewers without `?s=` join exactly one). Such a PUT
 * is refused with 400; the producer renames, or takes the old default's flag
 * away first. Re-sending a guild's own values is no conflict.
 */
export function conflicts(existing: readonly GuildInfo[], info: GuildInfo): Problem[] {
  const out: Problem[] = [];
  for (const other of existing) {
    if (other.guildId === info.guildId) continue;
    if (other.id === info.id) out.push({ path: "id", message: `"${info.id}" is already the short id of guild ${other.guildId}` });
    if (info.default && other.default) {
      out.push({ path: "default", message: `guild ${other.guildId} is already the default; PUT it with "default": false first` });
    }
  }
  return out;
}
