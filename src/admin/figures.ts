import process from "node:process";
import type { Server } from "../server.ts";
import type { DataSource } from "../sources/source.ts";
import type { Figures } from "../metrics/figures.ts";

/** Each source on its own: the parts of one made of several (several sources, a cluster and this instance's own), or the one source. */
const partsOf = (source: DataSource): readonly DataSource[] => source.parts?.flatMap(partsOf) ?? [source];

/** The figures of a running server, read from its public face; `lag` is the event loop's, in seconds. */
export function figuresOf(server: Server, lag: number): Figures {
  const memory = process.memoryUsage();
  const watched = [...server.hub.watched()].map(([guildId, viewers]) => {
    const guild = server.state.get(guildId);
    return { guildId, name: guild?.info.name ?? guildId, viewers, members: guild?.memberCount ?? 0 };
  });
  watched.sort((a, b) => b.viewers - a.viewers || a.name.localeCompare(b.name));
  const sources = server.started
    ? partsOf(server.world.source).map((s) => ({ name: s.name, ready: s.ready?.() ?? true, status: s.status?.() ?? {} }))
    : [];
  return {
    viewers: server.viewers,
    maxViewers: server.limits.maxConnections,
    ready: server.readiness().ready,
    guilds: server.state.size,
    watched,
    sources,
    memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
    eventLoopLag: lag,
    uptimeSeconds: server.uptimeSeconds,
  };
}
