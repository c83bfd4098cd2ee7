import * as v from "valibot";
import type { Redis } from "ioredis";
import type { GuildInfo, Members } from "../protocol/guild.ts";
import type { MessageData, PresenceData } from "../protocol/events.ts";
import type { State } from "../state/state.ts";
import { type Writes, WritesUnavailableError } from "../state/writes.ts";
import type { Logger } from "../log.ts";
import { connect, type Link } from "./connection.ts";
import type { Held as Fence } from "./lease.ts";
import { type BusEvent, readBusMessage, Snapshot } from "./messages.ts";
import { Mirror } from "./mirror.ts";
import { OwnWrites } from "./own-writes.ts";
import { within } from "../within.ts";
import { RESTORE, SNAPSHOT, WRITE } from "./scripts.ts";

/** How long an acknowledgement waits for this instance's writes to be applied here before it is given anyway. */
const APPLIED_WAIT_MS = 2000;

/** A write refused because the lease it was made under has passed to another holder. */
class FencedOutError extends WritesUnavailableError {
  override name = "FencedOutError";
}

type Scripted = Redis & {
  dbackWrite(...args: (string | number)[]): Promise<number>;
  dbackSnapshot(...args: string[]): Promise<unknown>;
  dbackRestore(...args: (string | number)[]): Promise<string>;
};

export interface BusOptions {
  url: string;
  /** Key prefix in Redis, so several clusters can share one Redis. Default `dback:`. */
  prefix?: string;
  state: State;
  log: Logger;
}

/**
 * The cluster bus: the path between the sources' writes and State when
 * several instances share one world. A write goes to Redis (one atomic script:
 * stored state, sequence number, publish); every instance, this one included,
 * hears it on the channel and applies it to its State through the Mirror.
 * Nothing a source writes reaches State any other way, so every instance's
 * viewers see the same events in the same order.
 *
 * After every (re)connection the bus subscribes first and reads the whole
 * world second, so nothing falls between the two; a Redis that came back
 * empty is first offered the world this instance holds.
 */
export class ClusterBus implements Writes {
  readonly prefix: string;
  #url: string;
  #state: State;
  #log: Logger;
  #mirror: Mirror;
  #own: OwnWrites;
  #cmd: Link | undefined;
  #sub: Link | undefined;
  #subscribed = false;
  #synced = false;
  #syncing = false;
  #syncAgain = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #failing = false;
  #closed = false;
  #onSynced: (() => void)[] = [];
  /** The epoch of the world last read (scripts.ts); another one means Redis lost the world since. */
  #epoch: string | undefined;
  /** Figures for /health. */
  #counts = { syncs: 0, restores: 0, dropped: 0, invalid: 0 };

  constructor(options: BusOptions) {
    this.#url = options.url;
    this.prefix = options.prefix ?? "dback:";
    this.#state = options.state;
    this.#log = options.log;
    this.#mirror = new Mirror(options.state, (guildId) => this.#resyncGuild(guildId));
    this.#own = new OwnWrites(this.#mirror, APPLIED_WAIT_MS);
  }

  /** Connects (in the background; `ready()` says when the world is in State). */
  start(): void {
    // Events flow on the other connection: the command one coming back needs a sync only if none is done or under way.
    const cmd = this.#cmd = connect(this.#url, "commands", this.#log, () => !this.#synced && !this.#syncing && this.#sync());
    const scripts = { dbackWrite: WRITE, dbackSnapshot: SNAPSHOT, dbackRestore: RESTORE };
    for (const [name, lua] of Object.entries(scripts)) cmd.redis.defineCommand(name, { numberOfKeys: 0, lua });
    const sub = this.#sub = connect(this.#url, "events", this.#log, () => this.#subscribe());
    sub.redis.on("message", (_channel: string, text: string) => this.#receive(text));
    sub.redis.on("close", () => {
      this.#subscribed = false;
      this.#synced = false;
    });
  }

  /** The command connection, for leases and the instance list; undefined before `start()`. */
  get redis(): Redis | undefined {
    return this.#cmd?.redis;
  }

  /** Whether State holds the shared world and events are flowing. */
  ready(): boolean {
    return this.#synced && this.#subscribed && (this.#cmd?.up ?? false);
  }

  /** Calls `listener` after every completed sync (at start, after each reconnect). */
  onSynced(listener: () => void): void {
    this.#onSynced.push(listener);
  }

  status(): Record<string, unknown> {
    return { connected: (this.#cmd?.up ?? false) && this.#subscribed, synced: this.#synced, gaps: this.#mirror.gaps, ...this.#counts };
  }

  // ── writes ────────────────────────────────────────────────────────────────

  putGuild(info: GuildInfo, members?: Members, fence?: Fence): boolean {
    const flat = members ? Object.values(members).flatMap((user) => [user.uid, JSON.stringify(user)]) : [];
    return this.#write(info.guildId, { t: "put", info, ...(members ? { members } : {}) }, [JSON.stringify(info), members ? "1" : "0", ...flat], fence);
  }

  removeGuild(guildId: string, fence?: Fence): boolean {
    return this.#write(guildId, { t: "remove" }, [], fence);
  }

  presence(guildId: string, d: PresenceData, fence?: Fence): boolean {
    return this.#write(guildId, { t: "presence", d }, [], fence);
  }

  message(guildId: string, d: MessageData, fence?: Fence): boolean {
    return this.#write(guildId, { t: "message", d }, [], fence);
  }

  clientId(guildId: string, c: string, fence?: Fence): boolean {
    return this.#write(guildId, { t: "update-clientid", c }, [c], fence);
  }

  /** The same writes, each checked in Redis against the lease's fencing token: a holder that lost the lease writes nothing. */
  fenced(fence: Fence): Writes {
    return {
      putGuild: (info, members) => this.putGuild(info, members, fence),
      removeGuild: (guildId) => this.removeGuild(guildId, fence),
      presence: (guildId, d) => this.presence(guildId, d, fence),
      message: (guildId, d) => this.message(guildId, d, fence),
      clientId: (guildId, c) => this.clientId(guildId, c, fence),
      committed: () => this.committed(),
      stored: () => this.stored(),
    };
  }

  /**
   * Settles once the writes made so far (in this turn of the event loop and
   * before) are in Redis and applied to this instance's State (read-your-writes,
   * bounded: own-writes.ts); rejects if one is not in Redis.
   */
  committed(): Promise<void> {
    return this.#own.committed();
  }

  /** Settles once the writes made so far are in Redis (not waiting for this instance to apply them); rejects if one is not. */
  stored(): Promise<void> {
    return this.#own.inRedis();
  }

  /** Sends one write; answers at once whether the guild is known here. */
  #write(guildId: string, event: BusEvent, extra: string[], fence?: Fence): boolean {
    if (event.t !== "put" && !this.#state.get(guildId)) return false;
    const cmd = this.#cmd;
    const sent = cmd?.up
      ? (cmd.redis as Scripted).dbackWrite(this.prefix, fence?.name ?? "", fence?.token ?? "", guildId, event.t, JSON.stringify(event), ...extra)
      : Promise.reject(new WritesUnavailableError("the cluster store (Redis) is unreachable"));
    const settled = sent.then(
      (result) => {
        if (result === -1) {
          this.#sync();
          throw new WritesUnavailableError("the cluster store (Redis) lost the world; it is being put back");
        }
        if (result === -2) throw new FencedOutError(`the ${fence!.name} lease has passed to another instance`);
        this.#failing = false;
        // Nothing waits here: the event reaches State (and viewers) from the channel; only `committed()` waits for it.
        this.#own.stored(guildId, Number(result));
        return undefined;
      },
    ).catch((error: Error) => {
      this.#counts.dropped++;
      if (!this.#failing || error instanceof FencedOutError) this.#log.warn("cluster write failed", { guild: guildId, event: event.t, error: error.message });
      this.#failing = true;
      return error;
    });
    this.#own.sending(settled);
    return true;
  }

  // ── reading the world ─────────────────────────────────────────────────────

  #receive(text: string): void {
    const read = readBusMessage(text);
    if (!read.ok) {
      if (this.#counts.invalid++ === 0) this.#log.warn("cluster message ignored", { error: read.error });
      return;
    }
    this.#mirror.receive(read.message);
  }

  async #subscribe(): Promise<void> {
    const sub = this.#sub!;
    try {
      await sub.redis.subscribe(`${this.prefix}events`);
    } catch (error) {
      this.#log.warn("cluster subscribe failed", { error: String(error) });
      return;
    }
    this.#subscribed = true;
    this.#sync();
  }

  async #snapshot(guildId: string): Promise<Snapshot> {
    const raw = await (this.#cmd!.redis as Scripted).dbackSnapshot(this.prefix, guildId);
    return v.parse(Snapshot, raw);
  }

  /** Reads the whole world into State (putting it back first when Redis lost it). Runs one at a time. */
  #sync(): void {
    if (this.#closed || !this.#subscribed || !this.#cmd?.up) return;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    this.#syncing = true;
    this.#synced = false;
    clearTimeout(this.#retry);
    this.#mirror.holdAll();
    this.#syncOnce().then(
      () => {
        this.#synced = true;
        this.#counts.syncs++;
        for (const listener of this.#onSynced) listener();
      },
      (error) => {
        this.#log.warn("cluster sync failed, retrying", { error: error instanceof Error ? error.message : String(error) });
        this.#retry = setTimeout(() => this.#sync(), 1000);
      },
    ).finally(() => {
      this.#syncing = false;
      if (this.#syncAgain) {
        this.#syncAgain = false;
        this.#sync();
      }
    });
  }

  async #syncOnce(): Promise<void> {
    let snapshot = await this.#snapshot("");
    let restored: number | undefined;
    // Lost since this instance last read it (or never built): offer what this instance holds.
    if (!snapshot.epoch || (this.#epoch !== undefined && snapshot.epoch !== this.#epoch)) {
      restored = await this.#restore();
      snapshot = await this.#snapshot("");
    }
    this.#epoch = snapshot.epoch;
    this.#mirror.world(snapshot.guilds);
    this.#log.info("cluster synced", { guilds: snapshot.guilds.length, offered: restored });
  }

  /** Offers Redis the world as this instance holds it; returns how many guilds it offered. */
  async #restore(): Promise<number> {
    const args: string[] = [];
    for (const guild of this.#state.guilds()) {
      args.push(guild.guildId, JSON.stringify(guild.info), String(this.#mirror.seq(guild.guildId)), guild.ownClientId ?? "", JSON.stringify(guild.members()));
    }
    const epoch = Math.random().toString(36).slice(2, 10);
    await (this.#cmd!.redis as Scripted).dbackRestore(this.prefix, epoch, ...args);
    this.#counts.restores++;
    const guilds = args.length / 5;
    if (guilds > 0) this.#log.warn("cluster store lost the world: offered back the one this instance holds", { guilds });
    else if (this.#epoch === undefined) this.#log.info("cluster store was empty: started a new world");
    return guilds;
  }

  #resyncGuild(guildId: string): void {
    if (!this.#cmd?.up) return this.#mirror.release(guildId);
    this.#snapshot(guildId).then(
      (snapshot) => this.#mirror.guild(guildId, snapshot.guilds[0]),
      (error) => {
        this.#log.warn("cluster guild resync failed", { guild: guildId, error: String(error) });
        this.#mirror.release(guildId);
      },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await within(this.committed(), 500);
    this.#own.close();
    this.#sub?.close();
    this.#cmd?.close();
  }
}
