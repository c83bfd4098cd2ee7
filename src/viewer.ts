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

export interface ViewerContext {
  world: World;
  hub: Hub;
  log: Logger;
  /** Told once when this viewer closes its own socket; the server forgets it at once. */
  gone(viewer: Viewer): void;
  /** Counts the frames this viewer is answered with (broadcasts are counted by the hub). */
  meter?: Meter;
  /** The inbound rate limit; each viewer keeps its own bucket in itself. */
  rate: RateLimit;
}

/**
 * One d-zone page: sent `server-list` on open, then answers each `connect`
 * with `server-join` or an error. Bad input is answered, never punished;
 * only flooding (the rate limit) or a failed send closes the socket.
 */
export class Viewer implements Peer, Bucket {
  readonly socket: WSContext;
  readonly id: number;
  readonly address: string;
  room: string | undefined;
  hubSlot = -1;
  /** Its place in the doorway's roster of open viewers (a field here instead of a map entry there). */
  doorwaySlot = -1;
  // Its rate-limit bucket, as two numbers here instead of an object of its own.
  rateTokens = 0;
  rateAt = 0;
  #ctx: ViewerContext;
  /**
   * Requests are answered one at a time, in the order they came: the answer
   * to the last one while any is pending, forgotten once all are answered
   * (an idle viewer then holds no promise).
   */
  #queue: Promise<void> | undefined;
  #closed = false;

  constructor(socket: WSContext, id: number, address: string, ctx: ViewerContext) {
    this.socket = socket;
    this.id = id;
    this.address = address;
    this.#ctx = ctx;
    ctx.rate.fill(this);
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
          log.debug("viewer joined", { viewer: this.id, guild: guild.guildId, viewers: hub.viewers(guild.guildId) });
          return;
        }
      }
    } catch (error) {
      log.error("connect failed", { viewer: this.id, server: request, error: String(error) });
      refusal = ErrorText.sourceFailed;
    }
    log.debug("connect refused", { viewer: this.id, server: request, error: refusal });
    this.#reply(errorFrame(refusal));
  }
}
