import { createServer, createLogger, type Server, type ServerOptions } from "../../src/mod.ts";

/** A real server on 127.0.0.1 and a free port, quiet unless `logger` says otherwise. */
export async function startServer(options: ServerOptions = {}): Promise<Server> {
  const server = await createServer({ port: 0, host: "127.0.0.1", logger: createLogger("silent"), ...options });
  return server.start();
}

export const wsURL = (server: Server, path = "/") => `ws://127.0.0.1:${server.port}${path}`;
