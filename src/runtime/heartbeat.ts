export interface HeartbeatOptions<S> {
  /** Seconds a socket may go unheard before it is dropped. */
  timeoutSeconds: number;
  ping(socket: S): void;
  /** Drops a socket that stopped answering (no close handshake: the peer is gone). */
  drop(socket: S): void;
}

/** The longest time between two rounds, so that a drop comes at most this late. */
const ROUND_MS = 500;

/**
 * Pings every socket that has been quiet for half the timeout, and drops the
 * ones still unheard when the whole timeout has passed since they were last
 * heard (so a peer has the second half to answer, as on Deno). One timer for
 * all sockets, every `ROUND_MS` at most, so a silent peer is dropped between
 * the timeout and half a second after it; each round costs one pass over
 * them. Only a ping left unanswered for half the timeout drops a socket, so
 * a stalled event loop that delays the rounds cannot.
 *
 * For runtimes whose own idle timer restarts when the server *sends*: there,
 * a dead peer in a busy guild keeps receiving events, so it never looks idle
 * and would never be dropped.
 */
export class Heartbeat<S> {
  #o: HeartbeatOptions<S>;
  /** When each socket was last heard from (a number per socket, no object: thousands sit idle). */
  #heard = new Map<S, number>();
  /** When the sockets pinged since they were last heard were pinged. */
  #pinged = new Map<S, number>();
  #timer: ReturnType<typeof setInterval>;

  constructor(options: HeartbeatOptions<S>) {
    this.#o = options;
    this.#timer = setInterval(() => this.#round(), Math.min(ROUND_MS, (options.timeoutSeconds * 1000) / 2));
  }

  /** The socket opened, answered a ping, or sent a frame. */
  heard(socket: S): void {
    this.#heard.set(socket, performance.now());
    this.#pinged.delete(socket);
  }

  forget(socket: S): void {
    this.#heard.delete(socket);
    this.#pinged.delete(socket);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#heard.clear();
    this.#pinged.clear();
  }

  #round(): void {
    const now = performance.now();
    const timeout = this.#o.timeoutSeconds * 1000;
    for (const [socket, heard] of this.#heard) {
      const pinged = this.#pinged.get(socket);
      if (pinged === undefined) {
        if (now - heard < timeout / 2) continue;
        this.#pinged.set(socket, now);
        this.#o.ping(socket);
      } else if (now - heard >= timeout && now - pinged >= timeout / 2) {
        this.forget(socket);
        this.#o.drop(socket);
      }
    }
  }
}
