import type { Context } from "hono";

/**
 * The host a request was sent to. HTTP/1.1 says it in the Host header;
 * HTTP/2 (which one of the runtimes speaks over TLS) in the `:authority`
 * pseudo-header, which runtimes put into the request URL and not into the
 * headers. So: the Host header when there is one, else the URL's authority,
 * else "" (an HTTP/1.0 request may come with neither, and one runtime then
 * builds a relative URL).
 */
export function requestHost(c: Context): string {
  const header = c.req.header("host");
  if (header !== undefined) return header;
  return URL.canParse(c.req.url) ? new URL(c.req.url).host : "";
}
