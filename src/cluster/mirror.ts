import type { State } from "../state/state.ts";
import type { BusEvent, BusMessage, GuildSnapshot } from "./messages.ts";

/**
 * This instance's State as a replica of the shared world. It applies each
 * guild's events strictly in sequence order: a number already applied is a
 * duplicate and dropped, a number past the next one is a gap, and the guild
 * is then read whole from Redis (`resync`) while its later events wait.
 *
 * Viewers join from State and hear the events State applies, in one thread,
 * so a `server-join` always holds exactly the events numbered up to the
 * guild's current number, and the viewer hears every later one once.
 */
export class Mirror {
  #state: State;
  /** The number of the last event applied, per guild. */
  #seq = new Map<string, number>();
  /** Events that arrived while their guild (or, under "*", the world) was being read. */
  #held = new Map<string, BusMessage[]>();
  #resync: (guildId: string) => void;
  /** The number of a guild's removal, once applied (`#seq` then forgets the guild): a removal counts as applied too. */
  #removed = new Map<string, number>();
  /** Writes of this instance waiting to see their event applied here, per guild: [sequence number, resolve]. */
  #waiting = new Map<string, [number, () => void][]>();
  /** Gaps seen (each one a resync of a guild). */
  gaps = 0;
  /** Told of each guild a read found Redis no longer has: no number of it will be applied here any more. */
  gone: (guildId: string) => void = () => {};

  /** `resync(guildId)` must read the guild and call `snapshot` (or `release` when it cannot). */
  constructor(state: State, resync: (guildId: string) => void) {
    this.#state = state;
    this.#resync = resync;
  }

  /** The number of the last event applied to a guild (0 when none). */
  seq(guildId: string): number {
    return this.#seq.get(guildId) ?? 0;
  }

  /** Whether this replica has applied the guild's event `seq` (a removed guild's last number counts). */
  reached(guildId: string, seq: number): boolean {
    return (this.#seq.get(guildId) ?? this.#removed.get(guildId) ?? 0) >= seq;
  }

  /**
   * Settles once this replica has applied the guild's event `seq` (or a
   * picture that includes it), so a producer that was told "stored" can
   * read its own write here at once: a PUT then an event for that guild.
   */
  applied(guildId: string, seq: number): Promise<void> {
    if (this.reached(guildId, seq)) return Promise.resolve();
    return new Promise((resolve) => {
      let list = this.#waiting.get(guildId);
      if (!list) this.#waiting.set(guildId, list = []);
      list.push([seq, resolve]);
    });
  }

  /** Holds every event from now until `world` is called: the whole world is being read. */
  holdAll(): void {
    if (!this.#held.has("*")) this.#held.set("*", []);
  }

  receive(message: BusMessage): void {
    const held = this.#held.get("*") ?? this.#held.get(message.g);
    if (held) return void held.push(message);
    const last = this.#seq.get(message.g);
    if (last !== undefined && message.s <= last) return;
    // A guild never seen starts with its complete picture; anything else is a gap.
    const fresh = last === undefined && message.e.t === "put" && message.e.members !== undefined;
    if (!fresh && message.s !== (last ?? 0) + 1) {
      this.gaps++;
      this.#held.set(message.g, [message]);
      this.#resync(message.g);
      return;
    }
    this.#seq.set(message.g, message.s);
    this.#apply(message.g, message.e);
    this.#release(message.g, message.s);
  }

  /** The whole world as Redis holds it: State is made equal to it (viewers get the differences). */
  world(guilds: readonly GuildSnapshot[]): void {
    this.#state.setGuilds(guilds.map((g) => g.info));
    const known = new Set([...this.#seq.keys(), ...this.#removed.keys(), ...this.#waiting.keys()]);
    this.#seq.clear();
    this.#removed.clear();
    for (const guild of guilds) this.#put(guild);
    // Guilds Redis no longer holds: nothing more will come for them.
    for (const guildId of known) {
      if (this.#seq.has(guildId)) continue;
      this.#release(guildId, Infinity);
      this.gone(guildId);
    }
    this.#replay("*");
  }

  /** One guild as Redis holds it (undefined: Redis no longer has it). */
  guild(guildId: string, snapshot: GuildSnapshot | undefined): void {
    if (snapshot) this.#put(snapshot);
    else {
      this.#seq.delete(guildId);
      this.#removed.delete(guildId);
      this.#state.removeGuild(guildId);
      this.#release(guildId, Infinity);
      this.gone(guildId);
    }
    this.#replay(guildId);
  }

  /** Lets held events go without a snapshot (the read failed; a later resync will mend the guild). */
  release(guildId: string): void {
    this.#held.delete(guildId);
  }

  #put(snapshot: GuildSnapshot): void {
    const guild = this.#state.putGuild(snapshot.info, snapshot.members);
    if (snapshot.cid !== undefined && snapshot.cid !== guild.ownClientId) this.#state.clientId(snapshot.guildId, snapshot.cid);
    this.#seq.set(snapshot.guildId, snapshot.seq);
    this.#release(snapshot.guildId, snapshot.seq);
  }

  /** Lets go the writes waiting for a guild's events up to `seq` (applied). */
  #release(guildId: string, seq: number): void {
    const list = this.#waiting.get(guildId);
    if (!list) return;
    const still = list.filter(([wanted, resolve]) => wanted <= seq ? (resolve(), false) : true);
    if (still.length) this.#waiting.set(guildId, still);
    else this.#waiting.delete(guildId);
  }

  #replay(key: string): void {
    const held = this.#held.get(key) ?? [];
    this.#held.delete(key);
    for (const message of held) this.receive(message);
  }

  #apply(guildId: string, event: BusEvent): void {
    const state = this.#state;
    switch (event.t) {
      case "put":
        state.putGuild(event.info, event.members);
        if (event.cid !== undefined) state.clientId(guildId, event.cid);
        return;
      case "remove":
        this.#removed.set(guildId, this.#seq.get(guildId)!);
        this.#seq.delete(guildId);
        state.removeGuild(guildId);
        return;
      case "presence":
        state.presence(guildId, event.d);
        return;
      case "message":
        state.message(guildId, event.d);
        return;
      case "update-clientid":
        state.clientId(guildId, event.c);
        return;
    }
  }
}
