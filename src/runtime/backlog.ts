import type { WSContext } from "hono/ws";

/** Frames smaller than this are never remembered as a socket's largest (events are far smaller). */
const REMEMBER_FROM = 16 * 1024;

export interface BacklogOptions {
  /** Unsent bytes a socket may hold on top of the largest frame it was sent. */
  bound: number;
  /** The runtime's own count of a socket's unsent bytes. */
  measure: (socket: WSContext) => number;
  /** Closes a socket that stayed over the bound (with 1013) and tells the core it is gone. */
  evict: (socket: WSContext) => void;
  /** How long after a suspicion the suspects are measured again. */
  delayMs?: number;
}

/**
 * Finds viewers that do not read fast enough and closes them, without
 * slowing the fan-out to everyone else.
 *
 * Measuring every socket after every send would put a call per viewer on
 * the hot path, and on Bun, where one native publish reaches a whole guild,
 * there is no per-socket send to measure after at all. So the adapters only
 * raise suspicion, cheaply: on Bun when `publish` reports that some
 * subscriber of the topic is backed up (then the whole room is suspect, and
 * adding it costs one set insertion), on Deno when a socket's
 * `bufferedAmount` is over the bound right after a send. One timer later the
 * suspects are measured again, and only those still over the bound are
 * evicted. The delay also forgives a burst queued within one tick, which a
 * healthy socket flushes as soon as the event loop turns, and it caps the
 * cost of a backed-up room at one pass over it per `delayMs`.
 *
 * A single frame is never held against a viewer by itself: the bound applies
 * on top of the largest frame sent to it (a `server-join` of a big guild can
 * be larger than the bound), so only a backlog that keeps growing counts.
 */
export class Backlog {
  #o: Required<BacklogOptions>;
  #largest = new WeakMap<WSContext, number>();
  #suspects = new Set<WSContext>();
  #rooms = new Set<Iterable<{ socket: WSContext }>>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: BacklogOptions) {
    this.#o = { delayMs: 100, ...options };
  }

  /**
   * Whether `frame` may be queued on a socket that holds `buffered` unsent
   * bytes: false when it would take the socket past the bound on top of the
   * largest frame (this one included). Asked *before* a send, so that what a
   * viewer that never reads can make d-back hold is bounded by that sum,
   * whatever it asks for; the caller evicts instead of sending.
   */
  fits(socket: WSContext, frame: string | ArrayBuffer | ArrayBufferView, buffered: number): boolean {
    const length = this.#remember(socket, frame);
    return buffered + length <= this.#o.bound + (this.#largest.get(socket) ?? 0);
  }

  /**
   * Bytes that may still be queued on a socket holding `buffered` unsent
   * bytes before `fits` could refuse a frame or `sent` suspect the socket
   * (never negative). A caller that adds up an upper bound of what it queues
   * since may skip both, and the measuring, while the sum stays within this
   * and no frame is `notable`: the answers are known to be "fits" and "fine".
   */
  headroom(buffered: number): number {
    return Math.max(0, this.#o.bound - buffered);
  }

  /** Whether `fits` and `sent` must see this frame whatever the headroom: it may become the socket's largest. */
  notable(frame: string | ArrayBuffer | ArrayBufferView): boolean {
    return (typeof frame === "string" ? frame.length : frame.byteLength) >= REMEMBER_FROM;
  }

  /** Notes a frame sent to `socket`, which now holds `buffered` unsent bytes. */
  sent(socket: WSContext, frame: string | ArrayBuffer | ArrayBufferView, buffered: number): void {
    this.#remember(socket, frame);
    if (buffered > this.#o.bound) this.#suspect(this.#suspects, socket);
  }

  #remember(socket: WSContext, frame: string | ArrayBuffer | ArrayBufferView): number {
    const length = typeof frame === "string" ? frame.length : frame.byteLength;
    if (length >= REMEMBER_FROM && length > (this.#largest.get(socket) ?? 0)) this.#largest.set(socket, length);
    return length;
  }

  /** Some subscriber of this room is backed up, but the runtime does not say which. */
  suspectRoom(peers: Iterable<{ socket: WSContext }>): void {
    this.#suspect(this.#rooms, peers);
  }

  /** Stops the pending sweep (shutdown). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#suspects.clear();
    this.#rooms.clear();
  }

  #suspect<T>(set: Set<T>, item: T): void {
    set.add(item);
    this.#timer ??= setTimeout(() => this.#sweep(), this.#o.delayMs);
  }

  #sweep(): void {
    this.#timer = undefined;
    const suspects = [...this.#suspects];
    for (const room of this.#rooms) for (const peer of room) suspects.push(peer.socket);
    this.#suspects.clear();
    this.#rooms.clear();
    for (const socket of suspects) {
      if (socket.readyState !== 1) continue;
      if (this.#o.measure(socket) > this.#o.bound + (this.#largest.get(socket) ?? 0)) this.#o.evict(socket);
    }
  }
}
