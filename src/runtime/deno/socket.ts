import { WSContext } from "hono/ws";
import { Close } from "../../limits.ts";
import type { Backlog } from "../backlog.ts";
import { mostBytes } from "../frame-size.ts";
import { inertInit } from "../inert-init.ts";

/** What all sockets of one Deno adapter share; `backlog` is there once the server listens. */
export interface DenoSockets {
  backlog: Backlog | undefined;
}

type Frame = string | ArrayBuffer | Uint8Array<ArrayBuffer>;

/**
 * One Deno WebSocket as the core sees it. `send` is this class's own method,
 * not hono's call through a function made per socket: fan-out calls it once
 * per viewer, and one method for every socket is one V8 can inline, where a
 * thousand closures are not (measured: about 0.4 µs a send at 1 000 viewers).
 *
 * A frame is refused before it is queued when it would take the socket past
 * the backlog's bound (the socket is then evicted with 1013), and the socket
 * is reported to the backlog when it is over the bound after a send. Asking
 * `bufferedAmount` twice a send is not needed to know that: the headroom is
 * what the backlog allowed at the last measurement, less the most each frame
 * since can have added (only sends raise `bufferedAmount`); while a frame
 * fits in it the answers are known to be "fits" and "fine", and only when it
 * does not is the socket measured and the backlog asked.
 */
export class DenoSocket extends WSContext<WebSocket> {
  declare raw: WebSocket;
  #shared: DenoSockets;
  #close: (code?: number, reason?: string) => void;
  /** Closes the socket on the adapter's own initiative and tells the core at once. */
  #end: (code: number, reason: string) => void;
  /** Resolves when the connection is really gone. */
  readonly gone: Promise<void>;
  #headroom = 0;

  constructor(
    socket: WebSocket,
    shared: DenoSockets,
    close: (code?: number, reason?: string) => void,
    end: (code: number, reason: string) => void,
    gone: Promise<void>,
  ) {
    super(inertInit); // its methods are never called: this class overrides them
    this.raw = socket;
    this.#shared = shared;
    this.#close = close;
    this.#end = end;
    this.gone = gone;
  }

  /** Closes a slow reader with 1013: for a frame that does not fit, and for the backlog's sweep. */
  evict(): void {
    this.#end(Close.tryAgainLater.code, Close.tryAgainLater.reason);
  }

  override get readyState(): 0 | 1 | 2 | 3 {
    return this.raw.readyState as 0 | 1 | 2 | 3;
  }

  override close(code?: number, reason?: string): void {
    this.#close(code, reason);
  }

  override send(data: Frame): void {
    const socket = this.raw;
    if (socket.readyState !== WebSocket.OPEN) return;
    const backlog = this.#shared.backlog;
    if (!backlog) return socket.send(data);
    const most = mostBytes(data);
    if (most <= this.#headroom && !backlog.notable(data)) {
      this.#headroom -= most;
      return socket.send(data);
    }
    if (!backlog.fits(this, data, socket.bufferedAmount)) return this.evict();
    socket.send(data);
    const buffered = socket.bufferedAmount;
    backlog.sent(this, data, buffered);
    this.#headroom = backlog.headroom(buffered);
  }
}
