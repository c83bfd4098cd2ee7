import type { MiddlewareHandler } from "hono";
import { requestHost } from "../http/request-host.ts";

/** Whether a listen address is this machine's loopback interface, reachable from nowhere else. */
export const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);

/** The name part of a Host header: `[::1]:9090` → `[::1]`, `localhost:9090` → `localhost`. */
const nameOf = (host: string): string => host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "");

/**
 * For an admin port on the loopback interface: answers only requests sent to
 * a loopback name or address. A web page on the operator's machine could
 * otherwise point a name of its own at 127.0.0.1 (DNS rebinding) and read
 * the operator page's data and the metrics as if they were its own. A request
 * without Host (HTTP/1.0) is no browser's, and is served.
 */
export const loopbackHostOnly: MiddlewareHandler = (c, next) => {
  const host = requestHost(c);
  if (host === "" || isLoopback(nameOf(host).toLowerCase())) return next();
  return Promise.resolve(c.text(
    "421 Misdirected Request: this admin port listens on the loopback interface and answers only requests sent to localhost, 127.0.0.1 or [::1]\n",
    421,
  ));
};
