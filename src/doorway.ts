import type { Context, MiddlewareHandler } from "hono";
import type { Hub } from "./hub.ts";
import type { Logger } from "./log.ts";
import type { Meter } from "./metrics/meter.ts";
import type { Runtime } from "./runtime/types.ts";
import { asksForWebSocket } from "./runtime/upgrade-request.ts";
import type { World } from "./world.ts";
import { Close, type Limits } from "./limits.ts";
import { Admission, type Ticket } from "./admission.ts";
import { RateLimit } from "./rate-limit.ts";
import { Viewer, type ViewerContext } from "./viewer.ts";
import { Roster } from "./roster.ts";

export interface DoorwayParts {
  runtime: Runtime;
  hub: Hub;
  log: Logger;
  meter: Meter;
  limits: Readonly<Limits>;
  /** The world viewers ask; there once the server has started. */
  world(): World;
}

/**
 * Where viewers come in and go out: the connection limits decided at the
 * upgrade, each open socket made a `Viewer`, and its place held until the
 * connection is really gone. The server asks it how many are in and to
 * close them all when it stops.
 */
export class Doorway {
  #parts: DoorwayParts;
  #admission: Admission;
  /** Open viewers (a roster, not a map: a map entry would cost each idle viewer ~170 bytes on JavaScriptCore). */
  #viewers = new Roster<"doorwaySlot", Viewer>("doorwaySlot");
  /** The place each upgrade took, until its socket opens. */
  #tickets = new WeakMap<Context, Ticket>();
  #nextId = 0;
  /** What every viewer shares, made at the first. */
  #context: ViewerContext | undefined;
  #closing = false;
  #allGone: (() => void) | undefined;

  constructor(parts: DoorwayParts) {
    this.#parts = parts;
    this.#admission = new Admission(parts.limits);
  }

  /** Open viewer connections. */
  get viewers(): number {
    return this.#viewers.size;
  }

  /** Places held (open viewers, upgrades under way, closed sockets not yet gone), and the addresses holding them. */
  get connections(): number {
    return this.#admission.connections;
  }

  get addresses(): number {
    return this.#admission.addresses;
  }

  /** The `/` (any path) upgrade handler: turns away upgrades past a connection limit before the runtime upgrades anything. */
  upgrade(): MiddlewareHandler {
    const { runtime, limits } = this.#parts;
    const upgrade = runtime.upgradeWebSocket((c) => this.#accept(c), { maxFrameBytes: limits.maxFrameBytes });
    return async (c, next) => {
      if (!asksForWebSocket(c)) return next();
      const { log, meter } = this.#parts;
      const address = runtime.requestAddress(c.req.raw, c.env);
      const admitted = this.#admission.admit(address);
      if ("status" in admitted) {
        log.debug("upgrade refused", { addr: address, status: admitted.status });
        meter.refused(admitted.reason);
        return c.text(`${admitted.text}\n`, admitted.status, admitted.status === 503 ? { "Retry-After": "10" } : {});
      }
      this.#tickets.set(c, admitted);
      const response = await upgrade(c, next);
      // No socket will open for a refused upgrade: give its place back.
      if (!response || response.status >= 400) {
        admitted.release();
        meter.refused("bad_upgrade");
      }
      return response;
    };
  }

  /** Refuses new viewers and closes every open one with 1001; resolves once all have closed. */
  close(): Promise<void> {
    this.#closing = true;
    this.#admission.close();
    const gone = new Promise<void>((resolve) => this.#allGone = resolve);
    for (const viewer of [...this.#viewers]) {
      viewer.close();
      viewer.socket.close(Close.goingAway.code, Close.goingAway.reason);
    }
    if (this.#viewers.size === 0) this.#allGone!();
    return gone;
  }

  #accept(c: Context): Viewer {
    const { runtime, hub, log, meter, limits } = this.#parts;
    const context = this.#context ??= {
      world: this.#parts.world(),
      hub,
      log,
      meter,
      rate: new RateLimit(limits.ratePerSecond, limits.rateBurst),
      nextId: () => ++this.#nextId,
      // The place is held until the connection is really gone, not just closed.
      holdUntilGone: (socket, ticket) => runtime.holdUntilGone(socket, ticket),
      enter: (viewer) => {
        this.#viewers.add(viewer);
        return !this.#closing;
      },
      gone: (viewer) => this.#gone(viewer),
    };
    return new Viewer(context, this.#tickets.get(c)!);
  }

  /** Forgets a viewer whose socket is closed or closing (its place is given back once the connection is gone). */
  #gone(viewer: Viewer): void {
    if (!this.#viewers.delete(viewer)) return;
    if (this.#viewers.size === 0) this.#allGone?.();
  }
}
