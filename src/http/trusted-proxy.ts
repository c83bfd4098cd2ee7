import type { Context } from "hono";

/** An address as the runtimes report it, IPv4-mapped IPv6 (`::ffff:10.0.0.1`) read as IPv4. */
const canonical = (address: string) => address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");

/** Whether a peer address is one of the trusted proxies' addresses. */
export function isTrustedProxy(address: string, trusted: readonly string[]): boolean {
  const peer = canonical(address);
  return trusted.some((proxy) => canonical(proxy) === peer);
}

/**
 * Whether the client reached us over TLS: the request itself was `https:`, or
 * it came from a trusted proxy whose `X-Forwarded-Proto` says `https` (the
 * first value, which the proxy nearest the client set). Anyone else could
 * write that header, so from anyone else it is ignored.
 */
export function cameOverTls(c: Context, fromTrustedProxy: boolean): boolean {
  if (/^https:/i.test(c.req.url)) return true;
  if (!fromTrustedProxy) return false;
  return c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}
