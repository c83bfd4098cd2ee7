import { getPath } from "hono/utils/url";
import { requestPath } from "./safe-path.ts";

/**
 * What d-back's routers match (hono's `getPath` option): the request's own
 * path, resolved as `requestPath` does, then decoded as hono does. Hono's
 * default reads the path out of the URL the runtime built from the Host
 * header, and one runtime builds a relative one when that header is missing
 * or odd (an HTTP/1.0 health check), which no route matched.
 */
export const routedPath = (request: Request): string => getPath({ url: `http://h${requestPath(request.url).path}` } as Request);
