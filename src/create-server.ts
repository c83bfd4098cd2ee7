import { Server, type ServerOptions } from "./server.ts";
import { detectRuntime } from "./runtime/mod.ts";
import type { Runtime } from "./runtime/types.ts";

/** A server on the runtime this process runs on (or on `runtime`, when given). */
export async function createServer(options: ServerOptions & { runtime?: Runtime } = {}): Promise<Server> {
  return new Server(options.runtime ?? await detectRuntime(), options);
}
