import type { GuildInfo } from "./guild.ts";
import type { ClientIdData, MessageData, PresenceData } from "./events.ts";

/**
 * Builders for every frame d-back sends (PROTOCOL.md, Server → viewer).
 * Frames that go to many viewers are returned as objects so the hub can
 * serialize them once; frames for one viewer are returned as JSON text.
 */

export const presence = (server: string, data: PresenceData) => ({ type: "presence", server, data }) as const;

export const message = (server: string, data: MessageData) => ({ type: "message", server, data }) as const;

export const updateClientId = (server: string, data: ClientIdData) =>
  ({ type: "update-clientid", server, data }) as const;

export type Broadcast = ReturnType<typeof presence | typeof message | typeof updateClientId>;

export const errorFrame = (text: string): string => JSON.stringify({ type: "error", data: { message: text } });

/** The public face of each guild; secrets (password, clientId) stay behind. */
export function serverListFrame(guilds: Iterable<GuildInfo>): string {
  const data: Record<string, { id: string; name: string; default: boolean; passworded: boolean }> = {};
  for (const g of guilds) {
    // Defined, not assigned: a guild id `__proto__` must be a key like any other, not the object's prototype.
    Object.defineProperty(data, g.guildId, {
      value: { id: g.id, name: g.name, default: g.default, passworded: g.passworded },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return JSON.stringify({ type: "server-list", data });
}

/**
 * `server-join`, assembled around `usersJson`, the already-serialized member
 * map: a guild of thousands of members is serialized once and reused for
 * every viewer that joins until the guild changes.
 */
export function serverJoinFrame(usersJson: string, request: string, serverName: string, clientId?: string): string {
  const tail = clientId === undefined ? "" : `,"clientId":${JSON.stringify(clientId)}`;
  return `{"type":"server-join","data":{"users":${usersJson},"request":{"server":${
    JSON.stringify(request)
  }},"serverName":${JSON.stringify(serverName)}${tail}}}`;
}
