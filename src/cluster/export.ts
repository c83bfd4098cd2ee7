import * as v from "valibot";
import { GuildInfo, Members } from "../protocol/guild.ts";
import { describeIssue } from "../protocol/issues.ts";
import type { DataSource } from "../sources/source.ts";
import type { Writes } from "../state/writes.ts";
import type { Logger } from "../log.ts";

const GuildList = v.array(GuildInfo);

/**
 * Carries what this instance's own pull sources offer (a bot's getServers and
 * getUsers, the mock world, a source of its own) onto the cluster bus: a new
 * guild goes out whole with its members, a changed description alone, a guild
 * the source stopped listing as a removal. The ingest API needs none of this:
 * its routes write to the bus directly.
 */
export class Exporter {
  #source: DataSource;
  #writes: Writes;
  #log: Logger;
  #last: unknown;
  #exported = new Map<string, string>();
  #offered = new Set<string>();
  #running: Promise<void> | undefined;

  constructor(source: DataSource, writes: Writes, log: Logger) {
    this.#source = source;
    this.#writes = writes;
    this.#log = log;
  }

  /** Whether the local source offers this guild (its last list named it): only then may it be asked about it. */
  offers(guildId: string): boolean {
    return this.#offered.has(guildId);
  }

  /** Exports what changed since last time; concurrent calls share one run. */
  export(): Promise<void> {
    return this.#running ??= this.#export().finally(() => this.#running = undefined);
  }

  async #export(): Promise<void> {
    const list = await this.#source.servers();
    if (list === this.#last) return;
    const parsed = v.safeParse(GuildList, list);
    if (!parsed.success) {
      this.#log.error("source returned an invalid guild list", { source: this.#source.name, error: describeIssue(parsed.issues[0]) });
      return;
    }
    // Every question to the source first, then every write in one turn, so `committed()` covers them all.
    const puts: { info: GuildInfo; members?: Members }[] = [];
    const seen = new Set<string>();
    this.#offered = new Set(parsed.output.map((info) => info.guildId));
    for (const info of parsed.output) {
      seen.add(info.guildId);
      const before = this.#exported.get(info.guildId);
      if (before === JSON.stringify(info)) continue;
      if (before !== undefined) {
        puts.push({ info });
        continue;
      }
      const members = v.safeParse(Members, await this.#source.users(info.guildId));
      if (members.success) puts.push({ info, members: members.output });
      else this.#log.error("source returned invalid members", { guild: info.guildId, error: describeIssue(members.issues[0]) });
    }
    for (const { info, members } of puts) {
      this.#writes.putGuild(info, members);
      this.#exported.set(info.guildId, JSON.stringify(info));
    }
    for (const guildId of [...this.#exported.keys()]) {
      if (seen.has(guildId)) continue;
      this.#writes.removeGuild(guildId);
      this.#exported.delete(guildId);
    }
    try {
      await this.#writes.committed?.();
      this.#last = list;
    } catch {
      // Not all of it reached the cluster: start over at the next export.
      this.#exported.clear();
    }
  }
}
