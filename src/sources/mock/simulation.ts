import type { Feed } from "../source.ts";
import type { Status } from "../../protocol/user.ts";

export interface SimulationOptions {
  presenceMs: number;
  messageMs: number;
  messages: readonly string[];
  channel: string;
  random: () => number;
}

const statuses: readonly Status[] = ["online", "idle", "dnd", "offline"];

const pick = <T>(items: readonly T[], random: () => number): T | undefined =>
  items[Math.floor(random() * items.length)];

/**
 * Life in one mock guild: every `presenceMs` a random member takes a random
 * status, every `messageMs` a random member says a random line. Two timers per
 * guild, however many viewers watch it; the returned function stops both.
 */
export function simulate(feed: Feed, o: SimulationOptions): () => void {
  const presence = setInterval(() => {
    const uid = pick(feed.uids(), o.random);
    if (uid !== undefined) feed.presence({ uid, status: pick(statuses, o.random)! });
  }, o.presenceMs);
  const message = setInterval(() => {
    const uid = pick(feed.uids(), o.random);
    if (uid !== undefined) feed.message({ uid, message: pick(o.messages, o.random)!, channel: o.channel });
  }, o.messageMs);
  return () => {
    clearInterval(presence);
    clearInterval(message);
  };
}
