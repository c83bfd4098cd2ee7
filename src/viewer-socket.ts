import { Viewer, type ViewerContext } from "./viewer.ts";
import type { Ticket } from "./admission.ts";
import type { Logger } from "./log.ts";
import type { Meter } from "./metrics/meter.ts";
import { Close } from "./limits.ts";

/** What a viewer's connection needs of the server: one per server, shared by every connection. */
export interface Lobby {
  readonly context: ViewerContext;
  readonly log: Logger;
  readonly meter: Meter;
  nextId(): number;
  /** Holds the connection's place until the runtime says the connection is really gone, not just closed. */
  holdUntilGone(socket: Viewer["socket"], ticket: Ticket): void;
  /** Counts an open viewer in; false when the server is stopping (the viewer is then sent away). */
  enter(viewer: Viewer): boolean;
  gone(viewer: Viewer): void;
}

/** Close codes of a viewer that left as it should; any other is logged at debug. */
const clean = new Set([1000, 1001, 1005]);

/**
 * The WebSocket events of one viewer's connection, from its upgrade to its
 * close. A class rather than an object of closures: thousands of idle
 * viewers then cost one small object each here, not four functions and
 * their scopes.
 */
export class ViewerSocket {
  #lobby: Lobby;
  #ticket: Ticket;
  #viewer: Viewer | undefined;

  constructor(lobby: Lobby, ticket: Ticket) {
    this.#lobby = lobby;
    this.#ticket = ticket;
  }

  onOpen(_: Event, socket: Viewer["socket"]): void {
    const lobby = this.#lobby;
    lobby.holdUntilGone(socket, this.#ticket);
    const viewer = this.#viewer = new Viewer(socket, lobby.nextId(), this.#ticket.address, lobby.context);
    if (!lobby.enter(viewer)) return viewer.end(Close.goingAway);
    viewer.open().catch((error) => this.#failed("open failed", error));
  }

  onMessage(event: MessageEvent): void {
    const data = event.data as string | ArrayBuffer | Uint8Array;
    Promise.resolve(this.#viewer?.receive(data)).catch((error) => this.#failed("message failed", error));
  }

  onClose(event: CloseEvent): void {
    const viewer = this.#viewer;
    if (!viewer) return this.#ticket.release();
    this.#lobby.meter.closed(event.code);
    if (!clean.has(event.code)) this.#lobby.log.debug("viewer closed", { viewer: viewer.id, code: event.code, reason: event.reason });
    viewer.close();
    this.#lobby.gone(viewer);
  }

  #failed(what: string, error: unknown): void {
    this.#lobby.log.error(what, { viewer: this.#viewer?.id, addr: this.#ticket.address, error: String(error) });
  }
}
