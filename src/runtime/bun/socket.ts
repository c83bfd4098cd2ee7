import { WSContext, type WSEvents } from "hono/ws";
import { Close } from "../../limits.ts";
import type { Backlog } from "../backlog.ts";
import type { Beating, Heartbeat } from "../heartbeat.ts";
import type { Held } from "../types.ts";
import { inertInit } from "../inert-init.ts";
import { tooLarge } from "../frame-size.ts";

// The few pieces of Bun's socket API used here, declared locally so the code type-checks anywhere.
export interface BunSocket {
  readonly data: BunContext;
  readonly readyState: 0 | 1 | 2 | 3;
  send(data: string | ArrayBuffer | Uint8Array): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  getBufferedAmount(): number;
}

/** What every socket of one server shares (one object per runtime, not per socket). */
export interface BunShared {
  /** There once the first socket is upgraded (websocket.ts). */
  backlog?: Backlog;
  heartbeat?: Heartbeat<BunContext>;
}

/** What `BunContext` holds once Bun is done with the connection: a place given then is given back at once. */
const GONE: Held = { release() {} };

/**
 * One Bun WebSocket as the core sees it, and everything the adapter keeps
 * for it, in one object: it is the socket's `ws.data` from the upgrade on.
 * Thousands of idle viewers each hold one, so it holds plain fields and
 * references only: no wrapper of closures, no promise per socket. Keep it at
 * 12 fields or fewer, hono's five included: on Bun an object of 13 to 16
 * takes 160 bytes, one of 10 to 12 takes 112.
 */
export class BunContext extends WSContext<BunSocket> implements Beating {
  declare raw: BunSocket | undefined;
  /** The core's handlers for this socket. */
  readonly events: WSEvents<BunSocket>;
  /** This socket's own frame limit, when lower than the server's `maxPayloadLength`. */
  readonly maxFrameBytes: number | undefined;
  #shared: BunShared;
  /** Released when Bun is done with the connection (`closed`); `GONE` once it is (one field for both: see the class's note). */
  #held: Held | undefined;
  // The heartbeat's times, kept here rather than in maps keyed by socket.
  heardAt = 0;
  pingedAt = -1;
  heartbeatSlot = -1;

  constructor(events: WSEvents<BunSocket>, maxFrameBytes: number | undefined, shared: BunShared) {
    super(inertInit);
    this.events = events;
    this.maxFrameBytes = maxFrameBytes;
    this.#shared = shared;
  }

  // Bun's handlers for this socket (runtime.ts passes each on to the socket's own object).

  /** Bun's socket exists from now on. */
  opened(ws: BunSocket): void {
    this.raw = ws;
    this.heard();
    this.events.onOpen?.(new Event("open"), this);
  }

  /** A pong, or any frame: the peer is alive. */
  heard(): void {
    this.#shared.heartbeat?.heard(this);
  }

  received(message: string | Uint8Array): void {
    this.heard();
    const max = this.maxFrameBytes;
    if (max !== undefined && tooLarge(message, max)) return this.raw!.close(Close.tooBig.code, Close.tooBig.reason);
    // hono's message type wants an ArrayBuffer for binary frames: copy out exactly this frame.
    const data = typeof message === "string"
      ? message
      : message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength);
    this.events.onMessage?.(new MessageEvent("message", { data }), this);
  }

  /** Bun is done with the connection: the place it held is given back before the core hears of the close. */
  closed(code: number, reason: string): void {
    this.#shared.heartbeat?.forget(this);
    const held = this.#held;
    this.#held = GONE;
    held?.release();
    this.events.onClose?.(new CloseEvent("close", { code, reason }), this);
  }

  override send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void {
    const ws = this.raw!;
    const backlog = this.#shared.backlog;
    // Refused before it is queued when it would take the socket past the unsent-data bound.
    if (backlog && !backlog.fits(this, data, ws.getBufferedAmount())) return this.evict();
    ws.send(data);
    backlog?.sent(this, data, ws.getBufferedAmount());
  }

  /**
   * Closes a slow reader with 1013: for a frame that does not fit, and for the
   * backlog's sweep. Bun runs the close handler at once, so the core hears of
   * it before this returns.
   */
  evict(): void {
    this.raw?.close(Close.tryAgainLater.code, Close.tryAgainLater.reason);
  }

  override close(code?: number, reason?: string): void {
    this.raw?.close(code, reason);
  }

  override get readyState(): 0 | 1 | 2 | 3 {
    return this.raw?.readyState ?? 0;
  }

  /** Keeps `held` until Bun is done with the connection. */
  hold(held: Held): void {
    if (this.#held === GONE) return held.release();
    this.#held = held;
  }
}
