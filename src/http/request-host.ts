import type { Context } from "hono";

/**
 * The host a request was sent to. HTTP/1.1 says it in the Host header;
 * HTTP/2 (which one of the runtimes speaks over TLS) in the `:authority`
 * pseudo-header, which runtimes put into the request URL and not into the
 * headers. So: the Host header when there is one, else the URL's authority,
 * else "" (an HTTP/1.0 request may come with neither, and one runtime then
 * builds a relative URL). User info in the authority (`u@h`) is kept, so a
 * Host check refuses it as it would in a Host header.
 */
export function hostOf(request: Request): string {
  const header = request.headers.get("host");
  if (header !== null) return header;
  if (!URL.canParse(request.url)) return "";
  const url = new URL(request.url);
  const user = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
  return `${user}${url.host}`;
}

/** `hostOf` the request a handler serves. */
export const requestHost = (c: Context): string => hostOf(c.req.raw);
