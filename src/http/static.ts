import type { Context } from "hono";
import { requestPath, toRootPath } from "./safe-path.ts";

/** A file ready to be served. */
export interface Asset {
  body: BodyInit;
  type: string;
  /** A quoted entity tag, strong (`"…"`) or weak (`W/"…"`), distinct for each encoding of a file. */
  etag: string;
  /** The content coding of `body` (`gzip`, `br`); absent for plain bytes. */
  encoding?: string;
  /** Whether the root picked among several encodings, so responses must say `Vary: Accept-Encoding`. */
  negotiated?: boolean;
}

/** Where static files come from: the built-in page, a folder, or assets embedded in the executable. */
export interface StaticRoot {
  /** What this root is, for the startup log line. */
  readonly description: string;
  /**
   * The file at a path relative to the root (already checked by `toRootPath`),
   * if any, in the best encoding the client's `Accept-Encoding` allows.
   */
  get(path: string, acceptEncoding?: string): Promise<Asset | undefined>;
  /** Whether the root holds a file at that path, without opening it. */
  has(path: string): Promise<boolean>;
}

/** Whether an `If-None-Match` header matches the tag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === bare);
}

/** Serves GET/HEAD for any path from `root`, with ETag revalidation. */
export function serveStatic(root: StaticRoot) {
  return async (c: Context): Promise<Response> => {
    const path = toRootPath(requestPath(c.req.url).path);
    if (path === null) return c.text("400 Bad Request: that path is not allowed\n", 400);
    // Straight from the request's headers and into a plain object: on the hot path, hono's accessors and a `Headers` cost more than the file.
    const request = c.req.raw.headers;
    const asset = await root.get(path, request.get("accept-encoding") ?? undefined);
    if (!asset) return c.text("404 Not Found\n", 404);
    const headers: Record<string, string> = {
      "ETag": asset.etag,
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    };
    if (asset.negotiated) headers["Vary"] = "Accept-Encoding";
    if (etagMatches(request.get("if-none-match") ?? undefined, asset.etag)) return new Response(null, { status: 304, headers });
    headers["Content-Type"] = asset.type;
    if (asset.encoding) headers["Content-Encoding"] = asset.encoding;
    return new Response(asset.body, { status: 200, headers });
  };
}
