/**
 * d-back as a Discord bot, against the project's fake Discord in a load
 * process (load/discord-gateway.ts):
 *
 * - discord: K viewers of one guild; events come as gateway MESSAGE_CREATE
 *   dispatches, and are measured beside the same number fed through the
 *   ingest WebSocket in the same run (the `ceiling` column holds the ingest
 *   path here): delivered messages/s and latency p50/p99.
 * - chunks: a guild of `--members` members (default 100 000) loaded through
 *   GUILD_MEMBERS_CHUNKs of 1 000: time from start to "discord guilds loaded",
 *   and the server's peak RSS.
 */
import { Crowd } from "../crowd.ts";
import { quiet } from "../compare.ts";
import { CpuWatch, LoadProc, memory, type RuntimeName, ServerProc, sleep } from "../proc.ts";
import type { Row } from "../report.ts";
import { median, quantile } from "../stats.ts";
import { targetCommand } from "../targets.ts";
import { measure } from "./fanout.ts";
import type { Context } from "./context.ts";
import type { DiscordGatewayConfig } from "../load/discord-gateway.ts";

/** A token shaped like a bot token; the fake accepts only it. */
const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GbEnCh.benchbenchbenchbenchbenchbenchbench00";
const GUILD_SIZE = 100;
/** The short id d-back derives from the fake guild's name, "Bench Guild". */
const SHORT_ID = "bench-guild";

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
  /** The server's CPU per 1000 deliveries, in ms: what each path costs d-back itself, whatever else the machine runs. */
  serverMsPerK: number;
  /** Cores other processes used meanwhile (the machine's load). */
  other: number;
}

/** The fake Discord, then d-back connected to it as the bot. */
async function startBot(ctx: Context, runtime: RuntimeName, config: Omit<DiscordGatewayConfig, "token" | "server">) {
  const gateway = new LoadProc("discord-gateway.ts", { token: BOT_TOKEN, server: SHORT_ID, ...config } satisfies DiscordGatewayConfig);
  const { apiBase } = await gateway.next("listening", 30_000);
  const [cmd, args, env] = targetCommand("d-back", runtime, { staticDir: ctx.site });
  const started = performance.now();
  const server = new ServerProc(cmd, args, { ...env, DBACK_DISCORD_TOKEN: BOT_TOKEN, DBACK_DISCORD_API_BASE: String(apiBase) });
  return { gateway, server, started };
}

async function measureDiscord(ctx: Context, runtime: RuntimeName, viewers: number, count: number, warm: number): Promise<Run> {
  const { gateway, server } = await startBot(ctx, runtime, { members: GUILD_SIZE, count, warm, window: Math.max(ctx.options.batch, Math.floor(ctx.options.window / viewers)), batch: ctx.options.batch, chunkSize: 1000 });
  let crowd: Crowd | undefined;
  try {
    await server.ready();
    await loaded(server, 60_000);
    gateway.send({ cmd: "probe", url: server.ws });
    await gateway.next("ready", 30_000);
    const total = warm + count;
    crowd = await Crowd.spawn(viewers, ctx.options.clients, { url: server.ws, server: SHORT_ID, expect: total, warm, concurrency: 100 });
    const joined = await crowd.join();
    if (joined.failed) throw new Error(`${joined.failed} of ${viewers} viewers could not join: ${joined.reasons.join("; ")}`);
    crowd.onProgress((n) => gateway.send({ cmd: "acked", n }));
    const cpu = new CpuWatch({ server: [server.pid], viewers: crowd.pids, producer: [gateway.pid] });
    gateway.send({ cmd: "go" });
    const sent = await gateway.next("sent", 120_000);
    const counted = await crowd.counted(120_000);
    const cores = cpu.stop();
    const seconds = (counted.last - (sent.measuredFrom as number)) / 1000;
    return {
      serverMsPerK: (cores.server * seconds * 1e6) / counted.measured,
      other: cores.other,
      perSecond: counted.measured / seconds,
      p50: quantile(counted.latency, 0.5),
      p99: quantile(counted.latency, 0.99),
      delivered: counted.measured,
      expected: count * viewers,
    };
  } finally {
    await stopAll(gateway, crowd, server);
  }
}

const cpuNote = (r: { serverMsPerK: number; other: number }) => `server CPU ${r.serverMsPerK.toFixed(2)} ms per 1000 deliveries (other processes ${r.other.toFixed(2)} cores)`;

async function stopAll(gateway: LoadProc, crowd: Crowd | undefined, server: ServerProc): Promise<void> {
  await crowd?.exit();
  await server.stop();
  gateway.send({ cmd: "exit" });
  await gateway.stop();
}

/** Waits for d-back's "discord guilds loaded" line. */
async function loaded(server: ServerProc, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!/discord guilds loaded/.test(server.stderr)) {
    if (performance.now() > deadline) throw new Error(`d-back did not load the guild within ${timeoutMs} ms: ${server.stderr.slice(-500)}`);
    await sleep(20);
  }
}

export async function discordFanout(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const rows: Row[] = [];
  for (const viewers of ctx.options.sizes) {
    const count = Math.max(100, Math.round(ctx.options.deliveries[runtime] / viewers / 4));
    const warm = Math.ceil(count / 10);
    const discord: Run[] = [], ingest: Run[] = [];
    for (let round = 0; round < ctx.options.repeat; round++) {
      await quiet(ctx);
      ctx.log(`discord ${runtime}: ${viewers} viewers, ${count} gateway dispatches (round ${round + 1})`);
      const d = await measureDiscord(ctx, runtime, viewers, count, warm);
      ctx.log(`  gateway: ${Math.round(d.perSecond)} msg/s, p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms, delivered ${d.delivered}/${d.expected}, ${cpuNote(d)}`);
      discord.push(d);
      await quiet(ctx);
      const measured = await measure(ctx, runtime, "d-back", { viewers, count, warm, rate: 0 });
      const i = { ...measured, other: measured.cpu.other };
      ctx.log(`  ingest:  ${Math.round(i.perSecond)} msg/s, p50 ${i.p50.toFixed(2)} ms, p99 ${i.p99.toFixed(2)} ms, delivered ${i.delivered}/${i.expected}, ${cpuNote(i)}`);
      ingest.push(i);
    }
    ctx.detail("discord", runtime, { viewers, count, discord, ingest });
    const pair = (pick: (r: Run) => number) => ({ dback: median(discord.map(pick)), ceiling: median(ingest.map(pick)) });
    const lost = discord.filter((r) => r.delivered < r.expected).length;
    const base = { scenario: "discord gateway (ceiling column: ingest)", runtime, case: `${viewers} viewers` };
    const serverMsPerK = pair((r) => r.serverMsPerK);
    const cpu = `server CPU per 1000 deliveries ${serverMsPerK.dback.toFixed(2)} ÷ ${serverMsPerK.ceiling.toFixed(2)} ms`;
    rows.push(
      { ...base, metric: "delivered", unit: "msg/s", higherIsBetter: true, ...pair((r) => r.perSecond), note: [cpu, lost ? `lost messages in ${lost} run(s)` : ""].filter(Boolean).join("; ") },
      { ...base, metric: "latency p50", unit: "ms", higherIsBetter: false, ...pair((r) => r.p50) },
      { ...base, metric: "latency p99", unit: "ms", higherIsBetter: false, ...pair((r) => r.p99) },
    );
  }
  return rows;
}

export async function discordChunks(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const size = ctx.options.guildMembers;
  const times: number[] = [], peaks: number[] = [];
  for (let round = 0; round < ctx.options.repeat; round++) {
    await quiet(ctx);
    ctx.log(`chunks ${runtime}: a guild of ${size} members through member chunks (round ${round + 1})`);
    const { gateway, server, started } = await startBot(ctx, runtime, { members: size, count: 0, warm: 0, window: 1, batch: 1, chunkSize: 1000 });
    try {
      await server.ready();
      await loaded(server, 300_000);
      times.push(performance.now() - started);
      peaks.push(memory(server.pid).hwm / 1024);
      ctx.log(`  loaded in ${times.at(-1)!.toFixed(0)} ms, peak RSS ${peaks.at(-1)!.toFixed(0)} MiB`);
    } finally {
      await stopAll(gateway, undefined, server);
    }
  }
  ctx.detail("chunks", runtime, { size, times, peaks });
  const base = { scenario: "discord member chunks", runtime, case: `${size} members`, ceiling: null };
  return [
    { ...base, metric: "start to loaded", unit: "ms", higherIsBetter: false, dback: median(times) },
    { ...base, metric: "peak RSS", unit: "MiB", higherIsBetter: false, dback: median(peaks) },
  ];
}
