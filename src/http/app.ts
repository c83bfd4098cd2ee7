import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { Logger } from "../log.ts";
import type { StaticReply } from "../sources/library/callbacks.ts";
import { serveStatic, type StaticRoot } from "./static.ts";
import { dzoneRedirect } from "./dzone-redirect.ts";
import { hostGuard } from "./host.ts";
import { routedPath } from "./routed-path.ts";
import { versionReply } from "./version-reply.ts";

export interface AppOptions {
  version: string;
  root: StaticRoot;
  /** Upgrades WebSocket requests on any path; passes everything else on. */
  upgrade: MiddlewareHandler;
  health: () => Record<string, unknown>;
  /** Whether to send viewers here; `/ready` answers 503 while not. */
  readiness: () => { ready: boolean; status: string };
  /** The ingest API (or its 404 stand-in), mounted at /api/ingest before anything else. */
  ingest: Hono;
  /** A bot's own answer to a static request, tried before the static root. */
  staticOverride?: (path: string, request: Request) => StaticReply | undefined | null | Promise<StaticReply | undefined | null>;
  /** Whether a request reached us over TLS (directly or through a trusted proxy). */
  overTls: (c: Context) => boolean;
  log: Logger;
}

/**
 * The HTTP side of d-back: a Host check before anything, ingest, WebSocket
 * upgrade on any other path, three JSON routes (version, liveness,
 * readiness), static files, and the redirect that points a d-zone page back at us.
 */
export function createApp(o: AppOptions): Hono {
  const app = new Hono({ getPath: routedPath });
  app.use("*", hostGuard);
  app.route("/api/ingest", o.ingest);
  app.use("*", o.upgrade);
  app.get("/api/version", () => versionReply(o.version));
  app.get("/health", (c) => c.json(o.health()));
  app.get("/ready", (c) => {
    const readiness = o.readiness();
    return c.json(readiness, readiness.ready ? 200 : 503, { "Cache-Control": "no-store" });
  });
  const override = o.staticOverride;
  if (override) {
    app.get("*", async (c, next) => {
      const reply = await override(c.req.path, c.req.raw);
      if (!reply) return next();
      if (reply instanceof Response) return reply;
      return new Response(reply.body, { headers: { "Content-Type": reply.contentType } });
    });
  }
  const redirect = dzoneRedirect(o.root, o.overTls);
  app.get("/", redirect);
  app.get("/index.html", redirect);
  app.get("*", serveStatic(o.root));
  app.all("*", (c) => c.text("405 Method Not Allowed\n", 405, { Allow: "GET, HEAD" }));
  app.onError((error, c) => {
    o.log.error("request failed", { method: c.req.method, path: c.req.path, error: String(error) });
    return c.text("500 Internal Server Error\n", 500);
  });
  return app;
}
