/**
 * The benchmark's flags, checked with valibot. `--quick` shrinks every
 * scenario to a sanity run; a flag given explicitly wins over it.
 */
import { parseArgs } from "node:util";
import * as v from "valibot";
import type { RuntimeName } from "./proc.ts";

export const scenarioNames = ["fanout", "paced", "join", "idle", "cold", "static", "discord", "chunks", "cluster", "original"] as const;
export type ScenarioName = typeof scenarioNames[number];

const Count = v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(1, "must be at least 1"));
const List = <T extends v.GenericSchema<string, unknown>>(item: T) =>
  v.pipe(v.string(), v.transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)), v.array(item));

const Flags = v.object({
  only: v.optional(List(v.picklist(scenarioNames, `must be some of ${scenarioNames.join(", ")}`))),
  runtime: v.optional(v.picklist(["bun", "deno", "both"], "must be bun, deno or both"), "both"),
  sizes: v.optional(List(Count)),
  quick: v.optional(v.boolean(), false),
  clients: v.optional(Count),
  members: v.optional(Count),
  storm: v.optional(Count),
  churn: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number))),
  idle: v.optional(Count),
  "guild-members": v.optional(Count),
  "cluster-viewers": v.optional(Count),
  deliveries: v.optional(Count),
  window: v.optional(Count),
  batch: v.optional(Count),
  repeat: v.optional(Count),
  "warm-up": v.optional(Count),
  "static-dir": v.optional(v.string()),
  "python-dback": v.optional(v.string()),
  executable: v.optional(v.string(), "dist/d-back"),
  "install-wrk": v.optional(v.boolean(), false),
  out: v.optional(v.string(), "bench/results/latest.json"),
  "no-wait": v.optional(v.boolean(), false),
  help: v.optional(v.boolean(), false),
});

export interface Options {
  scenarios: ScenarioName[];
  runtimes: RuntimeName[];
  quick: boolean;
  /** Viewer counts for fan-out and paced latency. */
  sizes: number[];
  /** Load processes viewers are spread over. */
  clients: number;
  /** Messages all viewers together should receive in one fan-out run (sets the event count per size), per runtime. */
  deliveries: Record<RuntimeName, number>;
  /** Fan-out producer: messages in flight over all viewers (events × viewers), events per ingest frame. */
  window: number;
  batch: number;
  /** Rounds of (d-back, ceiling) per measurement; figures are medians. */
  repeat: number;
  pacedSeconds: number;
  /**
   * Events sent at 50/s before latency is measured (paced, cluster, original):
   * a fresh server's first seconds are its JIT's warm-up, which a 6 s window
   * would otherwise mostly measure.
   */
  warmUp: number;
  /** Join storm: guild members and viewers. */
  members: number;
  storm: number;
  /** Presences/s during a second join storm; 0 for none. */
  churn: number;
  /** Idle memory: viewers. */
  idle: number;
  /** Discord member chunks: members of the guild loaded through them. */
  guildMembers: number;
  /** Cluster: viewers of the one guild, split over three instances (rounded down to a multiple of 3). */
  clusterViewers: number;
  /** Static: seconds per path. */
  staticSeconds: number;
  coldRuns: number;
  staticDir: string | undefined;
  /** A checkout of the Python d-back for the "original" scenario; skipped without one. */
  pythonDback: string | undefined;
  /** Install wrk with apt-get for the static scenario when it is missing. */
  installWrk: boolean;
  /** The single executable for cold start and size (built by `bun run build`). */
  executable: string;
  out: string;
  /** Measure at once, without waiting for other processes to calm down. */
  noWait: boolean;
  help: boolean;
}

export const usage = `bench: d-back against the least server that does its job, on Bun and Deno

  deno task bench [-- flags]      bun run bench [-- flags]

  --only LIST        scenarios, comma-separated: ${scenarioNames.join(", ")} (default: all)
  --runtime R        bun, deno or both (default both)
  --sizes LIST       viewer counts for fanout and paced (default 100,1000,5000; quick 100,1000)
  --quick            a short sanity run of everything selected
  --clients N        load processes the viewers are spread over (default 2)
  --deliveries N     messages per fan-out run, all viewers together (default 4000000 on Bun, 1000000 on Deno)
  --window N         fan-out: messages in flight at most, all viewers together (default 65536)
  --batch N          fan-out and discord: events per ingest frame (default 8)
  --repeat N         rounds of d-back then ceiling per measurement; figures are medians (default 3; quick 1)
  --warm-up N        paced, cluster and original: events sent at 50/s before latency is measured
                     (default 150, i.e. 3 s; quick 10); 10 measures a just-started server
  --members N        join storm: guild members (default 20000)
  --storm N          join storm: viewers (default 1000)
  --churn N          join storm: presences/s during a second storm (default 50; 0 for none)
  --idle N           idle memory: viewers (default 5000; quick 1000)
  --guild-members N  chunks: members of the guild d-back loads through gateway member chunks (default 100000; quick 10000)
  --cluster-viewers N  cluster: viewers, split a third per instance in the 3-instance setup (default 3000; quick 300)
  --static-dir DIR   static: serve this folder (default: a generated d-zone-shaped folder)
  --python-dback PATH  original: a checkout of the Python d-back (NNTin/d-back) to measure d-back against,
                     with Debian's python3-websockets (skipped without it)
  --executable FILE  cold start: the single executable (default dist/d-back; build it with bun run build)
  --install-wrk      static: install wrk with apt-get if it is missing (else Bun clients make the requests)
  --out FILE         JSON results (default bench/results/latest.json)
  --no-wait          measure at once, without first waiting for other processes to calm down,
                     and keep every run even when other processes disturbed it
  -h, --help         this text`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      runtime: { type: "string" },
      sizes: { type: "string" },
      quick: { type: "boolean" },
      clients: { type: "string" },
      members: { type: "string" },
      storm: { type: "string" },
      churn: { type: "string" },
      idle: { type: "string" },
      "guild-members": { type: "string" },
      "cluster-viewers": { type: "string" },
      deliveries: { type: "string" },
      window: { type: "string" },
      batch: { type: "string" },
      repeat: { type: "string" },
      "warm-up": { type: "string" },
      "static-dir": { type: "string" },
      "python-dback": { type: "string" },
      executable: { type: "string" },
      "install-wrk": { type: "boolean" },
      out: { type: "string" },
      "no-wait": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const parsed = v.safeParse(Flags, values);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new Error(`--${issue.path?.[0]?.key ?? "?"}: ${issue.message}`);
  }
  const f = parsed.output;
  const quick = f.quick;
  return {
    scenarios: f.only ?? [...scenarioNames],
    runtimes: f.runtime === "both" ? ["bun", "deno"] : [f.runtime],
    quick,
    sizes: f.sizes ?? (quick ? [100, 1000] : [100, 1000, 5000]),
    clients: f.clients ?? 2,
    // Deno's send loop delivers about a twentieth of what Bun's native publish does: fewer messages keep its runs near ten seconds.
    deliveries: f.deliveries ? { bun: f.deliveries, deno: f.deliveries } : quick ? { bun: 300_000, deno: 100_000 } : { bun: 4_000_000, deno: 1_000_000 },
    window: f.window ?? 65_536,
    batch: f.batch ?? 8,
    repeat: f.repeat ?? (quick ? 1 : 3),
    pacedSeconds: quick ? 2 : 6,
    warmUp: f["warm-up"] ?? (quick ? 10 : 150),
    members: f.members ?? 20_000,
    storm: f.storm ?? 1000,
    churn: f.churn ?? 50,
    idle: f.idle ?? (quick ? 1000 : 5000),
    guildMembers: f["guild-members"] ?? (quick ? 10_000 : 100_000),
    clusterViewers: Math.max(3, Math.floor((f["cluster-viewers"] ?? (quick ? 300 : 3000)) / 3) * 3),
    staticSeconds: quick ? 1 : 5,
    // Starts per round and target: a start is 20–150 ms and swings by a third on a busy machine, so a median needs more than a handful.
    coldRuns: quick ? 1 : 15,
    staticDir: f["static-dir"],
    pythonDback: f["python-dback"],
    executable: f.executable,
    installWrk: f["install-wrk"],
    out: f.out,
    noWait: f["no-wait"],
    help: f.help,
  };
}
