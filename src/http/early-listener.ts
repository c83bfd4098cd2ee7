import type { Listening, ListenOptions, Runtime } from "../runtime/types.ts";
import type { ServerOptions } from "../server-options.ts";
import { checkTls } from "../tls.ts";
import { portLimits, withDefaults } from "../limits.ts";
import { publicAddress } from "../public-address.ts";
import { hostProblem } from "./host.ts";
import { hostOf } from "./request-host.ts";
import { requestPath } from "./safe-path.ts";
import { versionReply } from "./version-reply.ts";
import { HeldRequests } from "./held-requests.ts";

type Fetch = ListenOptions["fetch"];
type Warn = NonNullable<ListenOptions["warn"]>;

/**
 * The command's public port, bound before the server behind it has loaded.
 * Most of a cold start is loading modules, and the request a proxy or a
 * health check sends first, `GET /api/version`, needs none of them: it is
 * answered at once. Every other request is held until the server hands over
 * its app (`open`) and is then served by it, as if it had come a moment
 * later; a start that fails answers them 503 (`refuse`). Only a plain GET of
 * exactly that path with a host the app accepts (Host header, or HTTP/2's
 * `:authority`, as the app's Host check reads them) is answered early;
 * anything the app might treat otherwise (an upgrade, an odd Host) waits for it.
 */
export interface EarlyListener {
  readonly listening: Listening;
  /** When the certificate stops being valid, with TLS (checked before binding, as `Server.start` does). */
  readonly tlsValidTo: string | undefined;
  /** Serves every request, the held ones first, with the server's app from now on. */
  open(fetch: Fetch, warn: Warn): Listening;
  /** The start failed or was stopped before `open`: answers the held requests 503 and closes the port (after `open`, the server owns it). */
  refuse(): Promise<void>;
}

const unavailable = (why: string, headers: Record<string, string> = {}) =>
  new Response(`503 Service Unavailable: ${why}\n`, { status: 503, headers: { "Cache-Control": "no-store", ...headers } });

const tooMany = (perAddress: number) =>
  new Response(`429 Too Many Requests: at most ${perAddress} requests from one address wait while d-back starts; try again later\n`, {
    status: 429,
    headers: { "Cache-Control": "no-store", "Retry-After": "1" },
  });

/** Whether the early listener may answer this request itself, the app being sure to answer it the same way. */
function asksForVersion(request: Request): boolean {
  return request.method === "GET" &&
    !request.headers.has("upgrade") &&
    hostProblem(hostOf(request)) === undefined &&
    requestPath(request.url).path === "/api/version";
}

/**
 * Binds the public port as `Server.start` would for these options, throwing
 * what it would throw (`AddressInUseError`, `ListenError`, `TlsError`).
 * Requests held at once are bounded by the connection limit; past it they
 * are answered 503 with Retry-After. Those from one address are bounded by
 * the per-address limit as well; past it they are answered 429.
 */
export async function listenEarly(runtime: Runtime, options: ServerOptions, version: string): Promise<EarlyListener> {
  const { tls, logger } = options;
  const limits = withDefaults(options.limits);
  const tlsValidTo = tls && await checkTls(tls);
  let app: Fetch | undefined;
  let warn: Warn | undefined = logger && ((message, fields) => logger.warn(message, fields));
  let settle!: (app: Fetch | undefined) => void;
  const handed = new Promise<Fetch | undefined>((resolve) => settle = resolve);
  const held = new HeldRequests(limits.maxConnections, limits.maxConnectionsPerAddress);
  let refusing: Promise<void> | undefined;
  const hold = async (request: Request, env: unknown, address: string): Promise<Response> => {
    const resume = runtime.waitLonger(request);
    const served = await held.wait(request, address, handed);
    // A client that left has given its place back; the app never hears of it.
    if (served === "left") return unavailable("the client left");
    // The port is closing: the connection's usual timeout is not put back (on one runtime,
    // doing that on a server being stopped can cut the connection before this answer).
    if (!served) return unavailable("d-back did not start");
    resume();
    return await served(request, env);
  };
  const listening = await runtime.listen({
    ...publicAddress(options),
    tls,
    sockets: portLimits(limits, options.ingest),
    fetch: (request, env) => {
      if (app) return app(request, env);
      if (asksForVersion(request)) return versionReply(version);
      const address = runtime.requestAddress(request, env);
      const noRoom = held.noRoom(address);
      if (noRoom === "full") return unavailable("d-back is starting", { "Retry-After": "1" });
      if (noRoom === "address") return tooMany(limits.maxConnectionsPerAddress);
      return hold(request, env, address);
    },
    warn: (message, fields) => warn?.(message, fields),
  });
  return {
    listening,
    tlsValidTo,
    open(fetch, onWarn) {
      app = fetch;
      warn = onWarn;
      settle(fetch);
      return listening;
    },
    refuse() {
      if (app) return Promise.resolve();
      settle(undefined);
      // Closed once: a signal and a failed start may both ask.
      return refusing ??= listening.close(1000);
    },
  };
}
