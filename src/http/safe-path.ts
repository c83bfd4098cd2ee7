/**
 * Turns a request's raw URL path into a path relative to the static root, or
 * `null` when it tries to leave the root or hide something: a `..` segment
 * (however it is encoded), a backslash, a NUL or other control character, a
 * drive letter or colon, a bad percent-encoding. Dot files are refused too.
 * A path ending in `/` names that folder's `index.html`.
 */
export function toRootPath(rawPath: string): string | null {
  const segments: string[] = [];
  const parts = rawPath.split("/");
  for (let i = 0; i < parts.length; i++) {
    let segment: string;
    try {
      segment = decodeURIComponent(parts[i]!);
    } catch {
      return null;
    }
    if (segment === "" || segment === ".") {
      if (i === parts.length - 1) segments.push("index.html");
      continue;
    }
    // deno-lint-ignore no-control-regex
    if (segment.startsWith(".") || /[\\/:\x00-\x1f\x7f]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments.join("/");
}

/** Whether a file at `path` (relative, `/`-separated) is reachable by some request, i.e. `toRootPath` can name it. */
export const isRootPath = (path: string): boolean =>
  toRootPath(`/${path.split("/").map(encodeURIComponent).join("/")}`) === path;

/**
 * The path and query a request names, with the path resolved the way a
 * browser resolves it: `.` and `..` segments however they are written (`..`,
 * `%2e%2e`, `.%2e`) are applied and `\` is read as `/` (WHATWG URL rules, for
 * `http:`). One runtime hands d-back its requests already resolved so; doing
 * the same here makes both agree. Only the path is read: the URL's authority, which
 * the runtimes build from the Host header, never takes part.
 */
export function requestPath(url: string): Readonly<{ path: string; search: string }> {
  if (last?.url === url) return last.resolved;
  const { path, search } = splitRequestUrl(url);
  let resolved: { path: string; search: string };
  try {
    resolved = { path: new URL(`http://h${path}`).pathname, search };
  } catch {
    resolved = { path, search };
  }
  last = { url, resolved };
  return resolved;
}

/**
 * The last URL `requestPath` resolved, and its answer: the router, the d-zone
 * redirect and the static files each ask for the same request's path in turn,
 * and a `new URL` for each would cost more than serving a cached file.
 */
let last: { url: string; resolved: Readonly<{ path: string; search: string }> } | undefined;

/**
 * A request URL's raw path and query (`?…`, or empty), read as text: `new URL`
 * throws on a URL the runtime built from a Host header that is no host name.
 */
export function splitRequestUrl(url: string): { path: string; search: string } {
  const rest = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, "").replace(/#.*$/s, "");
  const query = rest.indexOf("?");
  return {
    path: (query < 0 ? rest : rest.slice(0, query)) || "/",
    search: query < 0 || query === rest.length - 1 ? "" : rest.slice(query),
  };
}
