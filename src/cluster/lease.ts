import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";

/** Why a holder steps down when its instance stops: the one reason that is no warning. */
const SHUTTING_DOWN = "shutting down";

/**
 * ARGV: prefix, name, holder, ttl ms. Takes the lease when nobody holds it:
 * the fencing counter goes up by one and the lease key says who holds it
 * under which token. Returns the token, or 0 when someone else holds it.
 * A counter that is missing (a new Redis, or one back empty) starts from
 * Redis's clock in milliseconds, so it never hands out again a token that a
 * holder of before the loss may still carry.
 */
const ACQUIRE = `
local key = ARGV[1] .. 'lease:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
local fence = ARGV[1] .. 'fence:' .. ARGV[2]
if redis.call('EXISTS', fence) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', fence, string.format('%d', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)))
end
local token = redis.call('INCR', fence)
redis.call('SET', key, ARGV[3] .. '|' .. token, 'PX', ARGV[4])
return token
`;

/** ARGV: prefix, name, holder|token, ttl ms (0: let go). 1 while it is still ours, 0 once it is not. */
const RENEW = `
local key = ARGV[1] .. 'lease:' .. ARGV[2]
if redis.call('GET', key) ~= ARGV[3] then return 0 end
if ARGV[4] == '0' then redis.call('DEL', key) else redis.call('PEXPIRE', key, ARGV[4]) end
return 1
`;

type Scripted = Redis & {
  dbackAcquire(...args: (string | number)[]): Promise<number>;
  dbackRenew(...args: (string | number)[]): Promise<number>;
};

export interface LeaseTimings {
  /** How long the lease lasts without renewal, in ms. Default 10 000: a dead holder is replaced within about this. */
  ttlMs: number;
  /** How often the holder renews, in ms. Default 2 500. */
  renewMs: number;
  /** How often a non-holder tries to take the lease, in ms. Default 1 000. */
  tryMs: number;
}

/** What the task under a lease is given: its fencing token, which every write it makes must carry. */
export interface Held {
  name: string;
  token: number;
}

/**
 * A named lease in Redis: at most one instance of the cluster holds it, and
 * each holding has a fencing token one higher than the one before. Writes
 * made under the lease carry the token and Redis refuses any whose token is
 * not the newest (bus.ts), so a holder that was paused past its lease (a GC,
 * SIGSTOP, a frozen VM) and still believes it leads cannot write over its
 * successor. The holder also stops its task on its own once it cannot prove
 * it still holds the lease: when a renewal says no, or when none has
 * succeeded for the lease's lifetime less one renewal period.
 */
export class Lease {
  readonly name: string;
  #redis: Scripted;
  #prefix: string;
  #holder: string;
  #log: Logger;
  #t: LeaseTimings;

  constructor(redis: Redis, options: { prefix: string; name: string; holder: string; log: Logger; timings?: Partial<LeaseTimings> }) {
    this.#redis = redis as Scripted;
    this.#redis.defineCommand("dbackAcquire", { numberOfKeys: 0, lua: ACQUIRE });
    this.#redis.defineCommand("dbackRenew", { numberOfKeys: 0, lua: RENEW });
    this.name = options.name;
    this.#prefix = options.prefix;
    this.#holder = options.holder;
    this.#log = options.log;
    this.#t = { ttlMs: 10_000, renewMs: 2_500, tryMs: 1_000, ...options.timings };
  }

  /** Who holds the lease now (`holder|token`), or undefined. */
  async holder(): Promise<string | undefined> {
    return (await this.#redis.get(`${this.#prefix}lease:${this.name}`)) ?? undefined;
  }

  /**
   * Runs `start` whenever this instance holds the lease, and the function it
   * returns as soon as it does not. Returns a function that ends all of it
   * (stopping the task and letting the lease go).
   */
  whileLeader(start: (held: Held) => () => void): () => Promise<void> {
    let stopTask: (() => void) | undefined;
    let held: Held | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Steps down when no renewal has come back in time, even if a command hangs. */
    let expiry: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    const value = () => `${this.#holder}|${held!.token}`;

    const renewed = (sentAt: number) => {
      clearTimeout(expiry);
      expiry = setTimeout(() => stepDown("no renewal within its lifetime"), sentAt + this.#t.ttlMs - this.#t.renewMs - Date.now());
    };
    const stepDown = (why: string) => {
      clearTimeout(expiry);
      if (!held) return;
      // Giving it back on a graceful stop is routine; anything else is worth a warning.
      if (why === SHUTTING_DOWN) this.#log.info("lease released", { lease: this.name, token: held.token });
      else this.#log.warn("lease lost", { lease: this.name, token: held.token, why });
      held = undefined;
      const stop = stopTask;
      stopTask = undefined;
      try {
        stop?.();
      } catch (error) {
        this.#log.error("lease task stop failed", { lease: this.name, error: String(error) });
      }
    };
    const tick = async () => {
      if (ended) return;
      const sentAt = Date.now();
      try {
        if (!held) {
          const token = await this.#redis.dbackAcquire(this.#prefix, this.name, this.#holder, this.#t.ttlMs);
          if (token > 0 && !ended) {
            held = { name: this.name, token };
            renewed(sentAt);
            this.#log.info("lease taken", { lease: this.name, token });
            stopTask = start(held);
          }
        } else if (await this.#redis.dbackRenew(this.#prefix, this.name, value(), this.#t.ttlMs) === 1) {
          if (held) renewed(sentAt);
        } else {
          stepDown("another instance holds it");
        }
      } catch {
        // Redis unreachable: the connection says so once; the lease runs out below if this lasts.
      }
      if (!ended) timer = setTimeout(tick, held ? this.#t.renewMs : this.#t.tryMs);
    };
    timer = setTimeout(tick, 0);

    return async () => {
      ended = true;
      clearTimeout(timer);
      const wasHeld = held ? value() : undefined;
      stepDown(SHUTTING_DOWN);
      if (wasHeld) await this.#redis.dbackRenew(this.#prefix, this.name, wasHeld, 0).catch(() => {});
    };
  }
}
