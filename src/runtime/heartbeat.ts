export interface HeartbeatOptions<S> {
  /** Seconds a socket may go unheard before it is dropped. */
  timeoutSeconds: number;
  ping(socket: S): void;
  /** Drops a socket that stopped answering (no close handshake: the peer is gone). */
  drop(socket: S): void;
}

/**
 * Pings every socket that has been quiet for half the timeout, and drops the
 * ones that leave a ping unanswered for the whole timeout. One timer for all
 * sockets; each round costs one pass over them. Only an unanswered ping
 * drops a socket, so a stalled event loop that delays the rounds cannot.
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
    this.#timer = setInterval(() => this.#round(), (options.timeoutSeconds * 1000) / 2);
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
    for (const [socket, heard] of [...this.#heard]) {
      const pinged = this.#pinged.get(socket);
      if (pinged === undefined) {
        if (now - heard < timeout / 2) continue;
        this.#pinged.set(socket, now);
        this.#o.ping(socket);
      } else if (now - pinged >= timeout) {
        this.forget(socket);
        this.#o.drop(socket);
      }
    }
  }
}
