import { AddressInUseError, ListenError, type TlsPair } from "../types.ts";

export interface ResilientServeOptions {
  port: number;
  hostname: string;
  handler: Deno.ServeHandler<Deno.NetAddr>;
  /** Speak HTTPS with this certificate (and HTTP/2 to clients that offer it). */
  tls?: TlsPair;
  warn?: (message: string, fields?: Record<string, string | number>) => void;
  /** How long to wait before listening again after the server failed. */
  retryMs?: number;
}

export interface ResilientServer {
  readonly addr: Deno.NetAddr;
  shutdown(): Promise<void>;
}

/**
 * `Deno.serve` that outlives its own accept loop.
 *
 * When the process runs out of file descriptors, Deno's accept loop fails
 * with "Too many open files" and rejects `finished`; unhandled, that
 * rejection kills the process (the failure denoland/deno#10148 reported
 * for `Listener.accept`). Here the failure is caught, the
 * server is gone (Deno drops the connections it held, freeing their
 * descriptors) and it listens again on the same port after `retryMs`, and
 * again until it succeeds. Open WebSockets are not part of the server and
 * live on; only new connections are refused in between.
 */
export function serveResilient(options: ResilientServeOptions): ResilientServer {
  const { hostname, handler, warn, tls, retryMs = 1000 } = options;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let server: Deno.HttpServer<Deno.NetAddr>;

  const start = (port: number) => {
    const plain = { port, hostname, onListen() {} };
    const s = server = tls ? Deno.serve({ ...plain, cert: tls.cert, key: tls.key }, handler) : Deno.serve(plain, handler);
    s.finished.catch((error) => {
      if (stopped || s !== server) return;
      warn?.("server failed; listening again shortly", { error: String(error) });
      again();
    });
  };
  const again = () => {
    retry = setTimeout(() => {
      if (stopped) return;
      try {
        start(addr.port);
        warn?.("listening again", { port: addr.port });
      } catch {
        again();
      }
    }, retryMs);
  };

  try {
    start(options.port);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) throw new AddressInUseError(hostname, options.port);
    if (error instanceof Deno.errors.AddrNotAvailable) throw new ListenError(hostname, options.port, "not-local", error.message);
    // A name that does not resolve, or an address the system refuses (EINVAL).
    const message = String((error as Error).message);
    if (/lookup address|os error 22/.test(message)) throw new ListenError(hostname, options.port, "unusable", message);
    throw error;
  }
  const addr = server!.addr;
  return {
    addr,
    shutdown: () => {
      stopped = true;
      clearTimeout(retry);
      return server.shutdown();
    },
  };
}
