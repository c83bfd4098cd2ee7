/**
 * d-back as a library: create a server, start it, stop it.
 *
 * ```ts
 * import { createServer } from "d-back";
 * const server = await createServer({ port: 3000 });
 * await server.start();
 * ```
 */
export { createServer } from "./create-server.ts";
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
