import { Hono, type MiddlewareHandler } from "hono";
import type { Logger } from "../log.ts";
import { serveStatic, type StaticRoot } from "./static.ts";

export interface AppOptions {
  version: string;
  root: StaticRoot;
  /** Upgrades WebSocket requests on any path; passes everything else on. */
  upgrade: MiddlewareHandler;
  health: () => Record<string, unknown>;
  log: Logger;
}

/** The HTTP side of d-back: WebSocket upgrade on any path, two JSON routes, static files. */
export function createApp(o: AppOptions): Hono {
  const app = new Hono();
  app.use("*", o.upgrade);
  app.get("/api/version", (c) => c.json({ version: o.version }));
  app.get("/health", (c) => c.json(o.health()));
  app.get("*", serveStatic(o.root));
  app.all("*", (c) => c.text("405 Method Not Allowed\n", 405, { Allow: "GET, HEAD" }));
  app.onError((error, c) => {
    o.log.error("request failed", { method: c.req.method, path: c.req.path, error: String(error) });
    return c.text("500 Internal Server Error\n", 500);
  });
  return app;
}
