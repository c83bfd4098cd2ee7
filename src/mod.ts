/**
 * d-back as a library: create a server, start it, stop it.
 *
 * ```ts
 * import { createServer } from "d-back";
 * const server = await createServer({ port: 3000 });
 * await server.start();
 * ```
 */
import { Server, type ServerOptions } from "./server.ts";
import { detectRuntime } from "./runtime/mod.ts";
import type { Runtime } from "./runtime/types.ts";

export { InvalidPayloadError, Server, type ServerOptions } from "./server.ts";
export type { Callbacks, Servers, StaticReply } from "./sources/library/callbacks.ts";
export type { MessageData, PresenceData } from "./protocol/events.ts";
export type { User } from "./protocol/user.ts";
export { SourceError } from "./world.ts";
export { AddressInUseError, ListenError } from "./runtime/types.ts";
export { TlsError } from "./tls.ts";
export { createLogger, type Logger } from "./log.ts";
export { MockSource } from "./sources/mock/source.ts";
export type { DataSource, DiscordUser, Feed } from "./sources/source.ts";
export type { DiscordBotOptions } from "./sources/discord/source.ts";
export type { DiscordSettings, GuildSettings } from "./sources/discord/guild-settings.ts";
export { VERSION } from "./version.ts";

/** A server on the runtime this process runs on (or on `runtime`, when given). */
export async function createServer(options: ServerOptions & { runtime?: Runtime } = {}): Promise<Server> {
  return new Server(options.runtime ?? await detectRuntime(), options);
}
