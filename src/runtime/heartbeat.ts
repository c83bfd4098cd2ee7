import { Roster } from "../roster.ts";

/** What the heartbeat keeps on each socket itself: numbers, not an entry in a map (thousands sit idle). */
export interface Beating {
  /** When the socket was last heard from (`performance.now()`). */
  heardAt: number;
  /** When it was pinged since it was last heard; -1 when it was not. */
  pingedAt: number;
  /** Its place in the heartbeat's roster; -1 when not watched. */
  heartbeatSlot: number;
}

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
export class Heartbeat<S extends Beating> {
  #o: HeartbeatOptions<S>;
  /** The sockets watched, their times kept on each. */
  #sockets = new Roster<"heartbeatSlot", S>("heartbeatSlot");
  #timer: ReturnType<typeof setInterval>;

  constructor(options: HeartbeatOptions<S>) {
    this.#o = options;
    this.#timer = setInterval(() => this.#round(), Math.min(ROUND_MS, (options.timeoutSeconds * 1000) / 2));
  }

  /** The socket opened, answered a ping, or sent a frame. */
  heard(socket: S): void {
    socket.heardAt = performance.now();
    socket.pingedAt = -1;
    this.#sockets.add(socket);
  }

  forget(socket: S): void {
    this.#sockets.delete(socket);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#sockets.clear();
  }

  #round(): void {
    const now = performance.now();
    const timeout = this.#o.timeoutSeconds * 1000;
    for (const socket of this.#sockets) {
      const heard = socket.heardAt, pinged = socket.pingedAt;
      if (pinged < 0) {
        if (now - heard < timeout / 2) continue;
        socket.pingedAt = now;
        this.#o.ping(socket);
      } else if (now - heard >= timeout && now - pinged >= timeout / 2) {
        this.forget(socket);
        this.#o.drop(socket);
      }
    }
  }
}
