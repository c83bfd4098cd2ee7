import type { WSContext } from "hono/ws";
import type { Hub, Peer } from "./hub.ts";
import type { Logger } from "./log.ts";
import type { World } from "./world.ts";
import type { Connect } from "./protocol/inbound.ts";
import { parseFrame } from "./protocol/inbound.ts";
import { normalizeServer } from "./protocol/normalize.ts";
import { errorFrame } from "./protocol/outbound.ts";
import { ErrorText } from "./protocol/errors.ts";
import { Close } from "./limits.ts";
import type { Bucket, RateLimit } from "./rate-limit.ts";
import type { Meter } from "./metrics/meter.ts";
import type { Ticket } from "./admission.ts";

/** What a viewer needs of the server: one per server, shared by every viewer. */
export interface ViewerContext {
  world: World;
  hub: Hub;
  log: Logger;
  /** Counts the frames this viewer is answered with (broadcasts are counted by the hub), and how sockets closed. */
  meter?: Meter;
  /** The inbound rate limit; each viewer keeps its own bucket in itself. */
  rate: RateLimit;
  nextId(): number;
  /** Holds the connection's place until the runtime says the connection is really gone, not just closed. */
  holdUntilGone(socket: WSContext, ticket: Ticket): void;
  /** Counts an open viewer in; false when the server is stopping (the viewer is then sent away). */
  enter(viewer: Viewer): boolean;
  /** Told once when this viewer's socket is closed or closing; the server forgets it at once. */
  gone(viewer: Viewer): void;
}

/** Close codes of a viewer that left as it should; any other is logged at debug. */
const clean = new Set([1000, 1001, 1005]);

/**
 * The refusal each viewer was last sent for the default server. d-zone alerts
 * an error and, while it shows no world, asks for the default server again:
 * with no server at all, or a default that refuses this visitor, every answer
 * would be one more alert, for ever. The same refusal is sent once; a join
 * forgets it. Kept aside rather than on `Viewer`: only refused viewers need it.
 */
const refusedDefault = new WeakMap<Viewer, string>();

/**
 * One d-zone page, from its upgrade to its close: sent `server-list` on
 * open, then answers each `connect` with `server-join` or an error. Bad
 * input is answered, never punished; only flooding (the rate limit) or a
 * failed send closes the socket. It is its socket's event handlers itself
 * (`onOpen`, `onMessage`, `onClose`), so an idle viewer is one object here.
 */
export class Viewer implements Peer, Bucket {
  /** Its socket, from the moment it opens. */
  socket!: WSContext;
  /** Numbered when its socket opens (for the logs). */
  id = 0;
  room: string | undefined;
  /** Its place among its room's peers (a field here instead of a set entry in the hub). */
  hubSlot = -1;
  /** Its place in the doorway's roster of open viewers (a field here instead of a map entry there). */
  doorwaySlot = -1;
  // Its rate-limit bucket, as two numbers here instead of an object of its own.
  rateTokens = 0;
  rateAt = 0;
  #ctx: ViewerContext;
  /** The connection place it holds (and its address). */
  #ticket: Ticket;
  /**
   * Requests are answered one at a time, in the order they came: the answer
   * to the last one while any is pending, forgotten once all are answered
   * (an idle viewer then holds no promise).
   */
  #queue: Promise<void> | undefined;
  #closed = false;

  /** Made at the upgrade, before its socket opens. */
  constructor(ctx: ViewerContext, ticket: Ticket) {
    this.#ctx = ctx;
    this.#ticket = ticket;
    ctx.rate.fill(this);
  }

  get address(): string {
    return this.#ticket.address;
  }

  onOpen(_: Event, socket: WSContext): void {
    const ctx = this.#ctx;
    this.socket = socket;
    this.id = ctx.nextId();
    ctx.holdUntilGone(socket, this.#ticket);
    if (!ctx.enter(this)) return this.end(Close.goingAway);
    this.open().catch((error) => this.#failed("open failed", error));
  }

  onMessage(event: MessageEvent): void {
    const data = event.data as string | ArrayBuffer | Uint8Array;
    this.receive(data)?.catch((error) => this.#failed("message failed", error));
  }

  onClose(event: CloseEvent): void {
    // Never opened: no place will be held until the connection is gone, so give it back now.
    if (!this.socket) return this.#ticket.release();
    this.#ctx.meter?.closed(event.code);
    if (!clean.has(event.code)) this.#ctx.log.debug("viewer closed", { viewer: this.id, code: event.code, reason: event.reason });
    this.close();
    this.#ctx.gone(this);
  }

  #failed(what: string, error: unknown): void {
    this.#ctx.log.error(what, { viewer: this.id, addr: this.address, error: String(error) });
  }

  /** Sends `server-list`; frames that arrive meanwhile are answered after it. */
  open(): Promise<void> {
    return this.#track(this.#greet());
  }

  /** Answers `step` after every request before it has been answered. */
  #then(step: () => Promise<void> | void): Promise<void> {
    return this.#track((this.#queue ?? Promise.resolve()).then(step));
  }

  #track(queue: Promise<void>): Promise<void> {
    this.#queue = queue;
    // Once it settles with nothing after it, nothing is pending: forget it (its failure is the caller's, returned).
    const settled = () => {
      if (this.#queue === queue) this.#queue = undefined;
    };
    queue.then(settled, settled);
    return queue;
  }

  async #greet(): Promise<void> {
    const { world, log } = this.#ctx;
    log.debug("viewer connected", { viewer: this.id, addr: this.address });
    try {
      await world.refresh();
    } catch (error) {
      log.error("could not list servers", { viewer: this.id, error: String(error) });
    }
    this.#reply(world.state.serverListFrame());
  }

  /**
   * Answers one frame, after every frame received before it has been
   * answered; past the rate limit with an error instead, and a flood closes
   * the socket (1008).
   */
  receive(frame: string | ArrayBuffer | ArrayBufferView): Promise<void> | undefined {
    if (this.#closed) return this.#queue;
    const verdict = this.#ctx.rate.take(this);
    if (verdict === "close") {
      this.#ctx.log.debug("viewer flooding", { viewer: this.id, addr: this.address });
      this.end(Close.policy);
      return this.#queue;
    }
    if (verdict === "refuse") return this.#then(() => this.#reply(errorFrame(ErrorText.tooManyMessages)));
    return this.#then(() => this.#answer(frame));
  }

  /** The socket closed: leave the guild, answer nothing more. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.hub.leave(this);
    this.#ctx.log.debug("viewer disconnected", { viewer: this.id });
  }

  /** Closes the socket from this side, and forgets the viewer without waiting for the peer to agree. */
  end(close: { code: number; reason: string }): void {
    if (this.#closed) return;
    this.close();
    try {
      this.socket.close(close.code, close.reason);
    } catch {
      // Already closing: nothing left to tell the peer.
    }
    this.#ctx.gone(this);
  }

  /** Sends one frame; a failure is logged once, with who and where, and ends only this viewer. */
  send(frame: string): void {
    if (this.#closed) return;
    try {
      this.socket.send(frame);
    } catch (error) {
      this.#ctx.log.error("send failed", { viewer: this.id, addr: this.address, guild: this.room, error: String(error) });
      this.end(Close.internal);
    }
  }

  /** A frame for this viewer alone (not a broadcast), counted. */
  #reply(frame: string): void {
    this.send(frame);
    this.#ctx.meter?.delivered(1, frame);
  }

  #answer(frame: string | ArrayBuffer | ArrayBufferView): Promise<void> | void {
    const parsed = parseFrame(frame);
    if (parsed.ok) return this.#connect(parsed.message.data);
    this.#ctx.log.debug("bad frame", { viewer: this.id, error: parsed.error });
    this.#reply(errorFrame(parsed.error));
  }

  async #connect(data: Connect["data"]): Promise<void> {
    const { world, hub, log } = this.#ctx;
    const request = normalizeServer(data.server);
    let refusal: string | undefined;
    try {
      const guild = await world.find(request);
      if (!guild) refusal = ErrorText.unknownServer;
      else {
        if (guild.info.passworded) refusal = await world.authorize(guild, data, this);
        if (!refusal) await world.load(guild);
        if (this.#closed) return;
        // The guild may have been removed (or removed and put again) while the sign-in or the
        // members were awaited: only the guild state holds now may be joined.
        if (!refusal && world.state.get(guild.guildId) !== guild) refusal = ErrorText.unknownServer;
        if (!refusal) {
          // Send and join in one turn, so no event can fall between the two.
          this.#reply(guild.joinFrame(request));
          if (this.#closed) return;
          hub.join(this, guild.guildId);
          refusedDefault.delete(this);
          log.debug("viewer joined", { viewer: this.id, guild: guild.guildId, viewers: hub.viewers(guild.guildId) });
          return;
        }
      }
    } catch (error) {
      log.error("connect failed", { viewer: this.id, server: request, error: String(error) });
      refusal = ErrorText.sourceFailed;
    }
    if (request === "default") {
      if (refusedDefault.get(this) === refusal) return log.debug("connect refused again, not repeated", { viewer: this.id, server: request });
      refusedDefault.set(this, refusal);
    }
    log.debug("connect refused", { viewer: this.id, server: request, error: refusal });
    this.#reply(errorFrame(refusal));
  }
}
