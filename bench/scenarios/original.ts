/**
 * d-back against the original: the Python d-back (NNTin/d-back), run from a
 * checkout the benchmark is pointed at (`--python-dback PATH`; never part of
 * this repository) with Debian's python3-websockets, through
 * bench/python/original.py. The same load client as every other scenario:
 * the same viewers joining the same guild of the same members, and the same
 * stamped messages. Only the feed differs: d-back gets its events from the
 * producer over the ingest WebSocket; the original has no ingest API, so
 * its own `broadcast_message` sends them, from inside its process.
 *
 * Rows put the original in the ceiling column: "d-back ÷ ceiling" is then
 * "d-back ÷ the original".
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../binary.ts";
import { Crowd } from "../crowd.ts";
import { startProducer } from "../feed.ts";
import { GUILD_ID, members as fixtureMembers, putGuild, SHORT_ID, speaker } from "../fixture.ts";
import { CpuWatch, type LoadProc, path, type RuntimeName, ServerProc } from "../proc.ts";
import type { Row } from "../report.ts";
import { median, quantile } from "../stats.ts";
import { startTarget } from "../targets.ts";
import type { Context } from "./context.ts";

const PYTHON = "/usr/bin/python3";
/** Viewers for the fan-out and paced cases (the reference size). */
const VIEWERS = 1000;
type Who = "d-back" | "original";

/** The original as a server process that also takes commands on stdin and reports on stdout. */
class Original extends ServerProc {
  #lines: string[] = [];
  #waiting?: (line: string) => void;

  constructor(checkout: string, port: number, guildFile: string) {
    super(PYTHON, [path("bench/python/original.py"), checkout, String(port), guildFile]);
    let buffer = "";
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (d: string) => {
      buffer += d;
      for (let nl; (nl = buffer.indexOf("\n")) >= 0; buffer = buffer.slice(nl + 1)) {
        const line = buffer.slice(0, nl);
        if (this.#waiting) this.#waiting(line);
        else this.#lines.push(line);
      }
    });
  }

  /** Broadcasts `warm + count` stamped messages; resolves with the stamp of the first measured one. */
  send(plan: { count: number; warm: number; rate: number }): Promise<number> {
    this.child.stdin!.write(JSON.stringify({ cmd: "send", uid: speaker(), ...plan }) + "\n");
    return new Promise((resolve) => {
      const take = (line: string) => {
        this.#waiting = undefined;
        resolve(JSON.parse(line).measuredFrom as number);
      };
      const queued = this.#lines.shift();
      if (queued) take(queued);
      else this.#waiting = take;
    });
  }
}

/** Why the original cannot run here, if it cannot. */
function unavailable(checkout: string | undefined): string | undefined {
  if (!checkout) return "skipped: no --python-dback PATH (a checkout of NNTin/d-back)";
  if (!existsSync(join(checkout, "d_back", "server.py"))) return `skipped: ${checkout} holds no d_back/server.py`;
  const probe = spawnSync(PYTHON, ["-c", "import websockets; print(websockets.__version__)"], { encoding: "utf8" });
  if (probe.status !== 0) return "skipped: python3-websockets is not installed (apt-get install python3-websockets)";
  return undefined;
}

interface Started {
  server: ServerProc;
  /** Sends the messages; resolves with the first measured stamp, and stops what it started. */
  feed(crowd: Crowd, plan: { count: number; warm: number; rate: number }): Promise<number>;
  stop(): Promise<void>;
}

async function start(ctx: Context, who: Who, runtime: RuntimeName, guildFile: string, members: number): Promise<Started> {
  if (who === "original") {
    const server = new Original(resolve(ctx.options.pythonDback!), await freePort(), guildFile);
    await server.ready().catch(async (error) => {
      await server.stop();
      throw error;
    });
    return { server, feed: (_, plan) => server.send(plan), stop: () => server.stop() };
  }
  const server = await startTarget("d-back", runtime, { staticDir: ctx.site });
  let producer: LoadProc | undefined;
  try {
    await putGuild(server.url, members);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    async feed(crowd, plan) {
      producer = await startProducer(server, { ...plan, batch: 1, window: Math.max(1, Math.floor(ctx.options.window / VIEWERS)) });
      const relay = producer;
      crowd.onProgress((n) => relay.send({ cmd: "acked", n }));
      producer.send({ cmd: "go" });
      return (await producer.next("sent", 600_000)).measuredFrom as number;
    },
    async stop() {
      producer?.send({ cmd: "exit" });
      await producer?.stop();
      await server.stop();
    },
  };
}

interface Figures {
  joinMs: number;
  joined: number;
  /** Viewers of the storm that could not connect or join. */
  failed: number;
  perSecond: number;
  p50: number;
  p99: number;
  serverCores: number;
}

/** One round for one server: a join storm, then messages to the viewers that joined. */
async function round(ctx: Context, who: Who, runtime: RuntimeName, guildFile: string, kind: "storm" | "flat" | "paced"): Promise<Partial<Figures>> {
  const viewers = kind === "storm" ? ctx.options.storm : VIEWERS;
  const members = kind === "storm" ? ctx.options.members : 100;
  const started = await start(ctx, who, runtime, kind === "storm" ? guildFile : guildFile.replace(/\.json$/, "-small.json"), members);
  let crowd: Crowd | undefined;
  try {
    const plan = kind === "paced"
      ? { count: Math.round(50 * ctx.options.pacedSeconds), warm: ctx.options.warmUp, rate: 50 }
      : kind === "flat"
      ? { count: ctx.options.quick ? 50 : 200, warm: 10, rate: 0 }
      : undefined;
    crowd = await Crowd.spawn(viewers, ctx.options.clients, {
      url: started.server.ws,
      server: SHORT_ID,
      expect: plan ? plan.warm + plan.count : 0,
      warm: plan?.warm ?? 0,
      concurrency: kind === "storm" ? 0 : 100,
    });
    const cpu = new CpuWatch({ server: [started.server.pid] });
    const joined = await crowd.join(600_000);
    // In a storm, viewers the server could not take are a figure of their own (the original's listen backlog turns some away).
    if (!plan) return { joinMs: joined.ms, joined: joined.joined, failed: joined.failed, serverCores: cpu.stop().server };
    if (joined.failed) throw new Error(`${who}: ${joined.failed} of ${viewers} viewers could not join: ${joined.reasons.join("; ")}`);
    const measuredFrom = await started.feed(crowd, plan);
    const counted = await crowd.counted(600_000);
    const cores = cpu.stop();
    return {
      perSecond: counted.measured / ((counted.last - measuredFrom) / 1000),
      p50: quantile(counted.latency, 0.5),
      p99: quantile(counted.latency, 0.99),
      serverCores: cores.server,
    };
  } finally {
    await crowd?.exit();
    await started.stop();
  }
}

export async function original(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const checkout = ctx.options.pythonDback;
  const why = unavailable(checkout);
  const base = { scenario: "vs original", runtime };
  if (why) {
    ctx.log(`vs original: ${why}`);
    return [{ ...base, case: "the Python d-back", metric: "all joined", unit: "ms", higherIsBetter: false, dback: null, ceiling: null, note: why }];
  }
  const version = spawnSync(PYTHON, ["-c", "import sys, websockets; print(sys.version.split()[0], websockets.__version__)"], { encoding: "utf8" })
    .stdout.trim().split(" ");
  const dir = mkdtempSync(join(tmpdir(), "dback-bench-original-"));
  const guild = (n: number) => JSON.stringify({ guildId: GUILD_ID, shortId: SHORT_ID, name: "Bench Guild", members: fixtureMembers(n) });
  const guildFile = join(dir, "guild.json");
  writeFileSync(guildFile, guild(ctx.options.members));
  writeFileSync(join(dir, "guild-small.json"), guild(100));
  const note = `ceiling column: the Python d-back (Python ${version[0]}, websockets ${version[1]}), fed by its own broadcast_message`;
  const rows: Row[] = [];
  try {
    const cases = [
      { kind: "storm", label: `join storm, ${ctx.options.storm} viewers × ${ctx.options.members} members` },
      { kind: "flat", label: `fan-out flat out, ${VIEWERS} viewers` },
      { kind: "paced", label: `paced 50/s, ${VIEWERS} viewers` },
    ] as const;
    for (const { kind, label } of cases) {
      const runs: Record<Who, Partial<Figures>[]> = { "d-back": [], original: [] };
      for (let r = 0; r < ctx.options.repeat; r++) {
        for (const who of ["d-back", "original"] as const) {
          ctx.log(`vs original ${runtime} ${who}: ${label} (round ${r + 1})`);
          const got = await round(ctx, who, runtime, guildFile, kind);
          ctx.log(`  ${JSON.stringify(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, Math.round(v! * 100) / 100])))}`);
          runs[who].push(got);
        }
      }
      ctx.detail("vs original", runtime, { kind, runs });
      const med = (who: Who, key: keyof Figures) => median(runs[who].map((f) => f[key]!));
      const row = (metric: string, unit: string, key: keyof Figures, higherIsBetter: boolean, first: boolean): Row => ({
        ...base,
        case: label,
        metric,
        unit,
        higherIsBetter,
        dback: med("d-back", key),
        ceiling: med("original", key),
        note: first ? `${note}; server cores d-back ${med("d-back", "serverCores").toFixed(2)}, original ${med("original", "serverCores").toFixed(2)}` : undefined,
      });
      if (kind === "storm") {
        const storm = row("all joined", "ms", "joinMs", false, true);
        const failed = (who: Who) => runs[who].map((f) => f.failed ?? 0).join(", ");
        storm.note += `; viewers that could not join, per round: d-back ${failed("d-back")}, original ${failed("original")}`;
        rows.push(storm);
      }
      if (kind === "flat") rows.push(row("delivered", "msg/s", "perSecond", true, true));
      if (kind === "paced") rows.push(row("latency p50", "ms", "p50", false, true), row("latency p99", "ms", "p99", false, false));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
