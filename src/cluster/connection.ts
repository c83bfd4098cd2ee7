import { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import { redactRedisUrl } from "./url.ts";

/** Reconnect delays: 100 ms doubling to 5 s, forever (an instance never gives up on Redis). */
const backoff = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt - 1, 6), 5000);

/**
 * One connection to Redis that reconnects with backoff and says so once:
 * one warning when it is lost (not one per attempt), one line when it is
 * back. Commands fail at once while it is down (no offline queue), so a
 * caller can answer "unavailable" instead of waiting.
 */
export function connect(url: string, role: string, log: Logger, onReady: () => void): Link {
  const where = redactRedisUrl(url);
  let down = false;
  let closing = false;
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Subscriptions are made again by the bus itself, after each reconnect, before it reads the world.
    autoResubscribe: false,
    retryStrategy: backoff,
    connectionName: `d-back:${role}`,
    // A command that hangs counts as failed, so leases and syncs move on.
    commandTimeout: 5000,
  });
  redis.on("error", (error: Error) => {
    if (down || closing) return;
    down = true;
    log.warn("redis unreachable, retrying", { role, redis: where, error: error.message.replaceAll(url, where) });
  });
  redis.on("close", () => {
    if (down || closing) return;
    down = true;
    log.warn("redis connection lost, retrying", { role, redis: where });
  });
  redis.on("ready", () => {
    if (down) log.info("redis connection back", { role, redis: where });
    down = false;
    onReady();
  });
  redis.connect().catch(() => {/* told through "error"; retried by retryStrategy */});
  return {
    redis,
    get up() {
      return redis.status === "ready";
    },
    close() {
      closing = true;
      redis.disconnect();
    },
  };
}

export interface Link {
  readonly redis: Redis;
  /** Whether commands can be sent now. */
  readonly up: boolean;
  /** Closes for good (no warning, no reconnect). */
  close(): void;
}
