/**
 * The URL of a bound listener, `http://127.0.0.1:3000` or `https://[::1]:8443`:
 * an IPv6 address goes in brackets, or its colons would read as the port's.
 */
export function listenUrl(scheme: "http" | "https", hostname: string, port: number): string {
  return `${scheme}://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}
