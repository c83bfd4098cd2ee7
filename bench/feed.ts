/**
 * Starts the producer load process (load/producer.ts) on the benchmark
 * guild of a running server, and waits until it is connected and its probe
 * has joined.
 */
import { GUILD_ID, SHORT_ID, speaker, TOKEN } from "./fixture.ts";
import type { ProducerConfig } from "./load/producer.ts";
import { LoadProc, type ServerProc } from "./proc.ts";

export type Plan = Pick<ProducerConfig, "count" | "warm" | "batch" | "window" | "rate" | "churn">;

export async function startProducer(server: ServerProc, plan: Plan): Promise<LoadProc> {
  const producer = new LoadProc("producer.ts", {
    url: server.ws,
    token: TOKEN,
    guildId: GUILD_ID,
    server: SHORT_ID,
    uid: speaker(),
    ...plan,
  } satisfies ProducerConfig);
  try {
    await producer.next("ready", 30_000);
  } catch (error) {
    await producer.stop();
    throw error;
  }
  return producer;
}
