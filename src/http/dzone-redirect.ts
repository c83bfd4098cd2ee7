import type { Context, MiddlewareHandler } from "hono";
import type { StaticRoot } from "./static.ts";
import { requestPath } from "./safe-path.ts";
import { isHostName } from "./host.ts";
import { requestHost } from "./request-host.ts";

/** Whether a root is a d-zone build: it has d-zone's page and its script bundle. */
export async function isDzoneBuild(root: StaticRoot): Promise<boolean> {
  return (await root.has("index.html")) && (await root.has("static/bundle.js"));
}

/**
 * Whether a query names `socketURL`. The page is asked for with it on every
 * load, so the plain spelling is found with a regular expression; only a
 * query that might spell it escaped is parsed in full.
 */
export const hasSocketURL = (search: string): boolean =>
  /[?&]socketURL(?:[=&]|$)/.test(search) || (search.includes("%") && new URLSearchParams(search).has("socketURL"));

/**
 * d-zone connects to the `socketURL` in its page's query, and otherwise to
 * `wss://<hostname>/ws`: no port, always TLS, so it cannot reach a d-back on
 * plain HTTP or on port 3000. When the root is a d-zone build and its page is
 * asked for without `socketURL`, this sends the browser to the same URL with
 * `socketURL` pointing back at this very server (by its Host, or HTTP/2's `:authority`), `wss://`
 * when the page itself came over TLS. Anything else passes through.
 */
export function dzoneRedirect(root: StaticRoot, overTls: (c: Context) => boolean): MiddlewareHandler {
  // Asked once, at the first page request, not on every one: a folder's shape does not change under a running server.
  let dzone: Promise<boolean> | undefined;
  return async (c, next) => {
    const { path, search } = requestPath(c.req.url);
    if (hasSocketURL(search) || !(await (dzone ??= isDzoneBuild(root)))) return next();
    const host = requestHost(c);
    if (!isHostName(host)) return c.text("400 Bad Request: the Host header is missing or not a host name\n", 400);
    const socketURL = `${overTls(c) ? "wss" : "ws"}://${host}/`;
    // Fully escaped: some HTTP clients take a `://` anywhere in a Location for a scheme and refuse to follow.
    const location = `${path}${search ? `${search}&` : "?"}socketURL=${encodeURIComponent(socketURL)}`;
    return c.body(null, 302, { "Location": location, "Cache-Control": "no-store" });
  };
}
