export interface HeartbeatOptions<S> {
  /** Seconds a socket may go unheard before it is dropped. */
  timeoutSeconds: number;
  ping(socket: S): void;
  /** Drops a socket that stopped answering (no close handshake: the peer is gone). */
  drop(socket: S): void;
}

/**
 * Pings every socket that has not been heard from for half the timeout, and
 * drops the ones not heard from for the whole timeout. One timer for all
 * sockets; each round costs one pass over them.
 *
 * For runtimes whose own idle timer restarts when the server *sends*: there,
 * a dead peer in a busy guild keeps receiving events, so it never looks idle
 * and would never be dropped.
 */
export class Heartbeat<S> {
  #o: HeartbeatOptions<S>;
  #heard = new Map<S, number>();
  #timer: ReturnType<typeof setInterval>;

  constructor(options: HeartbeatOptions<S>) {
    this.#o = options;
    this.#timer = setInterval(() => this.#round(), (options.timeoutSeconds * 1000) / 2);
  }

  /** The socket opened, answered a ping, or sent a frame. */
  heard(socket: S): void {
    this.#heard.set(socket, performance.now());
  }

  forget(socket: S): void {
    this.#heard.delete(socket);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#heard.clear();
  }

  #round(): void {
    const now = performance.now();
    const timeout = this.#o.timeoutSeconds * 1000;
    for (const [socket, at] of [...this.#heard]) {
      if (now - at >= timeout) {
        this.#heard.delete(socket);
        this.#o.drop(socket);
      } else if (now - at >= timeout / 2) this.#o.ping(socket);
    }
  }
}
