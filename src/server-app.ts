import type { Hono, MiddlewareHandler } from "hono";
import type { Server } from "./server.ts";
import type { ServerOptions } from "./server-options.ts";
import type { Callbacks } from "./sources/library/callbacks.ts";
import type { IngestSource } from "./sources/ingest/source.ts";
import type { Writes } from "./state/writes.ts";
import { VERSION } from "./version.ts";
import { ingestBodyLimit } from "./limits.ts";
import { RepeatedLines } from "./log-repeats.ts";
import { createApp } from "./http/app.ts";
import { cameOverTls, isTrustedProxy } from "./http/trusted-proxy.ts";
import { ingestOff, ingestRoutes } from "./sources/ingest/routes.ts";
import { SharedGuilds } from "./cluster/shared-guilds.ts";

/** What the app needs of a server being started beyond its public face. */
export interface AppParts {
  /** Upgrades viewers' WebSocket requests (the server's `Doorway`). */
  upgrade: MiddlewareHandler;
  /** The ingest source, when the ingest API is on. */
  ingest: IngestSource | undefined;
  /** Where ingest writes: State itself, or the cluster bus. */
  writes: Writes;
  /** In a cluster, ingest lists the guilds every instance shares, not only its own. */
  clustered: boolean;
  callbacks: Callbacks;
}

/**
 * The public port's HTTP app: the pages and JSON routes, the viewer
 * upgrade, and the ingest API when it is on; with the lines that log its
 * refused requests (for the server to close when it stops).
 */
export function serverApp(
  server: Server,
  options: ServerOptions,
  parts: AppParts,
): { app: Hono; ingestRefused?: RepeatedLines } {
  const { runtime, log } = server;
  const ingest = options.ingest && parts.ingest ? { ...options.ingest, guilds: parts.ingest } : undefined;
  const ingestRefused = ingest && new RepeatedLines(log, "warn", "ingest request refused: missing or wrong bearer token");
  const app = createApp({
    version: VERSION,
    root: server.root,
    upgrade: parts.upgrade,
    health: () => server.health(),
    readiness: () => server.readiness(),
    ingest: ingest && ingestRefused
      ? ingestRoutes({
        token: ingest.token,
        maxBytes: ingestBodyLimit(ingest),
        state: server.state,
        writes: parts.writes,
        source: parts.clustered ? new SharedGuilds(server.state) : ingest.guilds,
        upgradeWebSocket: runtime.upgradeWebSocket,
        log,
        meter: server.meter,
        remoteAddress: (c) => runtime.requestAddress(c.req.raw, c.env),
        refused: ingestRefused,
      })
      : ingestOff(),
    staticOverride: parts.callbacks.onStaticRequest,
    overTls: (c) => cameOverTls(c, isTrustedProxy(runtime.requestAddress(c.req.raw, c.env), options.trustProxy ?? [])),
    log,
  });
  return { app, ingestRefused };
}
