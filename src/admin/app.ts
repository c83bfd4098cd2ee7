import { Hono } from "hono";
import type { Logger } from "../log.ts";
import type { PrometheusMeter } from "../metrics/prometheus.ts";
import type { Overview } from "./overview.ts";
import { operatorPage, operatorScript } from "./page.ts";
import { loopbackHostOnly } from "./loopback-host.ts";
import { routedPath } from "../http/routed-path.ts";

export interface AdminAppOptions {
  meter: PrometheusMeter;
  overview: () => Promise<Overview>;
  log: Logger;
  /** The port listens on the loopback interface: requests sent to any other name are refused (`loopbackHostOnly`). */
  loopback: boolean;
}

/** Nothing on the page is fetched from elsewhere, and no script runs but ours. */
const pageHeaders = {
  "Cache-Control": "no-store",
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
};

/** The admin listener's routes: the operator page and its data, Prometheus metrics, liveness. */
export function adminApp(o: AdminAppOptions): Hono {
  // The request's own path, as on the public port: an HTTP/1.0 health check without Host is routed too.
  const app = new Hono({ getPath: routedPath });
  if (o.loopback) app.use(loopbackHostOnly);
  app.get("/", (c) => c.html(operatorPage, 200, pageHeaders));
  app.get("/operator.js", (c) => c.body(operatorScript, 200, { ...pageHeaders, "Content-Type": "text/javascript; charset=utf-8" }));
  app.get("/api/overview", async (c) => c.json(await o.overview(), 200, { "Cache-Control": "no-store" }));
  app.get("/metrics", async (c) => c.body(await o.meter.text(), 200, { "Content-Type": o.meter.contentType }));
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.all("*", (c) => c.text("404 Not Found: the admin port serves /, /metrics, /api/overview and /health\n", 404));
  app.onError((error, c) => {
    o.log.error("admin request failed", { path: c.req.path, error: String(error) });
    return c.text("500 Internal Server Error\n", 500);
  });
  return app;
}
