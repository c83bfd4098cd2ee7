import type { WSContext } from "hono/ws";
import type { Broadcast } from "./protocol/outbound.ts";
import type { StateListener } from "./state/state.ts";
import { ErrorText } from "./protocol/errors.ts";
import { errorFrame } from "./protocol/outbound.ts";
import { type Meter, noMeter } from "./metrics/meter.ts";
import { Roster } from "./roster.ts";

/** A connection the hub can place in a guild. */
export interface Peer {
  readonly socket: WSContext;
  /** The guild this peer views; set by the hub only. */
  room: string | undefined;
  /** Its place among its room's peers (-1 in none); kept by the hub only. */
  hubSlot: number;
  /** Sends one frame; a failure is handled (logged, the peer dropped) inside, never thrown. */
  send(frame: string): void;
}

/** The runtime's fan-out primitive (native topics where the runtime has them). */
export interface Fanout {
  subscribe(socket: WSContext, topic: string): void;
  unsubscribe(socket: WSContext, topic: string): void;
  /** Sends `frame` to every subscriber of `topic`; `peers` are those subscribers. */
  publish(topic: string, frame: string, peers: Iterable<Peer>): void;
}

/** Told when a guild gains its first viewer and loses its last. */
export interface RoomHooks {
  active(guildId: string): void;
  idle(guildId: string): void;
}

/** One guild's viewers, and the runtime topic they are subscribed to (named once, not per broadcast). */
interface Room {
  topic: string;
  /** A roster, not a `Set`: a set entry costs each idle viewer ~130 bytes on JavaScriptCore, a roster slot 8. */
  peers: Roster<"hubSlot", Peer>;
}

/**
 * Viewers grouped by the guild they joined. A broadcast is serialized once
 * and the same string handed to every viewer of the guild; a guild nobody
 * watches costs nothing, not even the serialization.
 */
export class Hub implements StateListener {
  #rooms = new Map<string, Room>();
  #fanout: Fanout;
  #hooks: RoomHooks;
  #meter: Meter;

  constructor(fanout: Fanout, hooks: RoomHooks, meter: Meter = noMeter) {
    this.#fanout = fanout;
    this.#hooks = hooks;
    this.#meter = meter;
  }

  /** Moves `peer` into the guild's room, out of any other. */
  join(peer: Peer, guildId: string): void {
    if (peer.room === guildId) return;
    this.leave(peer);
    let room = this.#rooms.get(guildId);
    if (!room) this.#rooms.set(guildId, room = { topic: `guild:${guildId}`, peers: new Roster("hubSlot") });
    room.peers.add(peer);
    peer.room = guildId;
    this.#fanout.subscribe(peer.socket, room.topic);
    if (room.peers.size === 1) this.#hooks.active(guildId);
  }

  leave(peer: Peer): void {
    const guildId = peer.room;
    if (guildId === undefined) return;
    peer.room = undefined;
    const room = this.#rooms.get(guildId);
    if (!room?.peers.delete(peer)) return;
    this.#fanout.unsubscribe(peer.socket, room.topic);
    if (room.peers.size === 0) {
      this.#rooms.delete(guildId);
      this.#hooks.idle(guildId);
    }
  }

  broadcast(guildId: string, event: Broadcast): void {
    const room = this.#rooms.get(guildId);
    if (!room) return;
    const frame = JSON.stringify(event);
    this.#fanout.publish(room.topic, frame, room.peers);
    this.#meter.delivered(room.peers.size, frame);
  }

  removed(guildId: string): void {
    const room = this.#rooms.get(guildId);
    if (!room) return;
    const frame = errorFrame(ErrorText.unknownServer);
    for (const peer of [...room.peers]) {
      this.leave(peer);
      peer.send(frame);
    }
  }

  /** Viewers of one guild, or of all guilds. */
  viewers(guildId?: string): number {
    if (guildId !== undefined) return this.#rooms.get(guildId)?.peers.size ?? 0;
    let n = 0;
    for (const room of this.#rooms.values()) n += room.peers.size;
    return n;
  }

  /** Each watched guild and its number of viewers. */
  *watched(): Iterable<[guildId: string, viewers: number]> {
    for (const [guildId, room] of this.#rooms) yield [guildId, room.peers.size];
  }

  /** Guilds with at least one viewer (zero once everyone has left). */
  get rooms(): number {
    return this.#rooms.size;
  }
}
