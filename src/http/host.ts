import type { MiddlewareHandler } from "hono";
import * as v from "valibot";
import { requestHost } from "./request-host.ts";

/** `name[:port]`: a host name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
export const HostName = v.pipe(v.string(), v.regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/));

/** Whether a Host header (or an HTTP/2 `:authority`) is `name[:port]` and nothing else. */
export const isHostName = (host: string): boolean => v.is(HostName, host);

/**
 * Why a request's Host header (or, over HTTP/2, its `:authority`) is refused,
 * or undefined when it is acceptable. The runtimes build a request's URL from
 * it, so a Host with a path, a query, user info or a second value (`h/health?`,
 * `u@h`, `a, b`) would otherwise change the path the router sees. No Host at
 * all is accepted: HTTP/1.0 has none, and it changes nothing (one runtime
 * answers an HTTP/1.1 request without one with 400 itself; the other does
 * not say which version a request came in, see README).
 */
export function hostProblem(host: string | null | undefined): string | undefined {
  if (!host || isHostName(host)) return undefined;
  return "the Host header is not a host name with an optional port";
}

/** Answers 400 before any routing for a request whose Host header (or `:authority`) `hostProblem` refuses. */
export const hostGuard: MiddlewareHandler = (c, next) => {
  const problem = hostProblem(requestHost(c));
  if (problem) return Promise.resolve(c.text(`400 Bad Request: ${problem}\n`, 400));
  return next();
};
