import type { Context } from "hono";

/**
 * The host a request was sent to. HTTP/1.1 says it in the Host header;
 * HTTP/2 (which one of the runtimes speaks over TLS) in the `:authority` pseudo-header,
 * which runtimes put into the request URL and not into the headers. So: the
 * Host header when there is one, else the URL's authority.
 */
export function requestHost(c: Context): string {
  return c.req.header("host") ?? new URL(c.req.url).host;
}
