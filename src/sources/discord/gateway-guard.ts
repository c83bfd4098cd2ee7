import * as v from "valibot";
import { SimpleShardingStrategy, type WebSocketManager } from "@discordjs/ws";
import { expected } from "./schemas.ts";

/**
 * The gateway payload fields @discordjs/ws itself reads, checked before it
 * reads them. The library trusts the gateway: a READY without `d`, an op 9
 * whose `d` is not a boolean or a HELLO without `heartbeat_interval` throws
 * inside its message handler, which nobody awaits, and an unhandled
 * rejection ends the whole process on both runtimes. A payload that fails
 * here is dropped before the library sees it (and reported once per kind);
 * the dispatch handlers check each event's `d` on their own (schemas.ts).
 */

const Sequence = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Timers past 2^31 - 1 ms fire at once on every runtime: a heartbeat storm. */
const Interval = v.pipe(v.number(), v.minValue(1), v.maxValue(2 ** 31 - 1));

/** Where the library reconnects to resume; a URL the runtime's WebSocket refuses throws where nobody catches it. */
const GatewayUrl = v.pipe(v.string(), v.check((text) => {
  try {
    const url = new URL(text);
    return url.protocol === "wss:" || url.protocol === "ws:";
  } catch {
    return false;
  }
}, "a ws: or wss: URL"));

const Ready = v.object({ s: Sequence, d: v.object({ session_id: v.string(), resume_gateway_url: GatewayUrl }) });
const Dispatch = v.object({ t: v.string(), s: Sequence });
const InvalidSession = v.object({ d: v.boolean() });
const Hello = v.object({ d: v.object({ heartbeat_interval: Interval }) });

/** What is wrong with a gateway payload for the library, or undefined when it may have it. */
export function gatewayProblem(payload: unknown): { kind: string; problem: string } | undefined {
  if (typeof payload !== "object" || payload === null || typeof (payload as { op?: unknown }).op !== "number") {
    return { kind: "payload", problem: "op must be a number" };
  }
  const { op, t } = payload as { op: number; t?: unknown };
  const schema = op === 0 ? (t === "READY" ? Ready : Dispatch) : op === 9 ? InvalidSession : op === 10 ? Hello : undefined;
  if (!schema) return undefined;
  const result = v.safeParse(schema, payload);
  if (result.success) return undefined;
  return { kind: op === 0 && typeof t === "string" ? t.slice(0, 64) : `op ${op}`, problem: expected(result.issues[0]) };
}

type Unpack = (data: unknown, isBinary: boolean) => Promise<unknown>;

/**
 * The library's simple strategy (shards in this process) with every shard's
 * incoming payloads checked by `gatewayProblem`. The check wraps the shard's
 * own decoding step, so each payload is parsed once; a library version
 * without that step fails loudly at spawn rather than going unguarded.
 */
export class GuardedShardingStrategy extends SimpleShardingStrategy {
  #refused: (kind: string, problem: string) => void;

  constructor(manager: WebSocketManager, refused: (kind: string, problem: string) => void) {
    super(manager);
    this.#refused = refused;
  }

  override async spawn(shardIds: number[]): Promise<void> {
    await super.spawn(shardIds);
    const shards = (this as unknown as { shards: Map<number, object> }).shards;
    for (const shard of shards.values()) this.#guard(shard as { unpackMessage?: Unpack });
  }

  #guard(shard: { unpackMessage?: Unpack }): void {
    const unpack = shard.unpackMessage;
    if (typeof unpack !== "function") throw new Error("@discordjs/ws has changed: WebSocketShard.unpackMessage is gone, gateway payloads cannot be checked");
    const refused = this.#refused;
    shard.unpackMessage = async function (this: unknown, data, isBinary) {
      const payload = await unpack.call(this, data, isBinary);
      if (payload === null || payload === undefined) return payload;
      const bad = gatewayProblem(payload);
      if (!bad) return payload;
      refused(bad.kind, bad.problem);
      return null;
    };
  }
}
