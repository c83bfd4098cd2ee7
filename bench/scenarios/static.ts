/**
 * Static files: keep-alive requests/s for `/` and for the largest file of
 * the served folder over 32 connections, from wrk when the machine has it
 * (it takes a fraction of the CPU per request a JavaScript client takes),
 * else from Bun load processes (load/http.ts).
 * The page is asked for the way a browser ends up asking for it: d-back
 * redirects a d-zone folder's `/` to `/?socketURL=…` (so d-zone finds its
 * socket), and the browser follows.
 */
import { largestFile } from "../fixture.ts";
import { CpuWatch, LoadProc, type RuntimeName } from "../proc.ts";
import type { HttpConfig } from "../load/http.ts";
import { findWrk, installWrk, runWrk } from "../load/wrk.ts";
import { wireBytes } from "../load/wire-bytes.ts";
import type { Row } from "../report.ts";
import { startTarget, type TargetName } from "../targets.ts";
import { inTurns, med, type Runs } from "../compare.ts";
import type { Context } from "./context.ts";

const CONNECTIONS = 32;

interface Run {
  perSecond: number;
  mibPerSecond: number;
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  cpu: Record<"server" | "clients" | "other", number>;
}

async function measure(ctx: Context, runtime: RuntimeName, target: TargetName, path: string, wrk: boolean): Promise<Run> {
  const server = await startTarget(target, runtime, { staticDir: ctx.site });
  const procs: LoadProc[] = [];
  try {
    if (wrk) {
      const url = server.url + path;
      await runWrk(url, CONNECTIONS, ctx.options.quick ? 1 : 2); // warm-up
      // wrk's CPU is read while it still runs: an exited process has no /proc entry left.
      let cpu: Run["cpu"] | undefined;
      const seconds = ctx.options.staticSeconds;
      const r = await runWrk(url, CONNECTIONS, seconds, (pid) => {
        const watch = new CpuWatch({ server: [server.pid], clients: [pid] });
        setTimeout(() => cpu = watch.stop(), seconds * 1000 - 200);
      });
      if (r.non2xx || r.errors) throw new Error(`${target} answered ${path} with ${r.non2xx} responses not 2xx and ${r.errors} socket errors`);
      return { perSecond: r.perSecond, mibPerSecond: r.bytesPerSecond / 2 ** 20, requests: r.requests, errors: r.errors, statuses: { 200: r.requests }, cpu: cpu! };
    }
    const { hostname, port } = new URL(server.url);
    for (let i = 0; i < ctx.options.clients; i++) {
      procs.push(new LoadProc("http.ts", {
        host: hostname,
        port: Number(port),
        path,
        connections: CONNECTIONS / ctx.options.clients,
        warm: ctx.options.quick ? 0.3 : 1,
        seconds: ctx.options.staticSeconds,
      } satisfies HttpConfig));
    }
    await Promise.all(procs.map((p) => p.next("spawned", 30_000)));
    for (const p of procs) p.send({ cmd: "go" });
    const watch = new CpuWatch({ server: [server.pid], clients: procs.map((p) => p.pid) });
    const reports = await Promise.all(procs.map((p) => p.next("done", 60_000)));
    const cpu = watch.stop();
    const statuses: Record<string, number> = {};
    let requests = 0, bytes = 0, errors = 0, perSecond = 0, bytesPerSecond = 0;
    for (const r of reports) {
      requests += r.requests;
      bytes += r.bytes;
      errors += r.errors;
      perSecond += r.requests / r.seconds;
      bytesPerSecond += r.bytes / r.seconds;
      for (const [s, n] of Object.entries(r.statuses as Record<string, number>)) statuses[s] = (statuses[s] ?? 0) + n;
    }
    const bad = Object.keys(statuses).filter((s) => s !== "200");
    if (bad.length) throw new Error(`${target} answered ${path} with ${bad.join(", ")}`);
    return { perSecond, mibPerSecond: bytesPerSecond / 2 ** 20, requests, errors, statuses, cpu };
  } finally {
    for (const p of procs) p.send({ cmd: "exit" });
    await Promise.all(procs.map((p) => p.stop()));
    await server.stop();
  }
}

export async function staticFiles(ctx: Context, runtime: RuntimeName): Promise<Row[]> {
  const largest = largestFile(ctx.site);
  const rows: Row[] = [];
  const all: Record<string, Runs<Run>> = {};
  const wrk = !!findWrk() || (ctx.options.installWrk && installWrk(ctx.log));
  if (!wrk) ctx.log("static: wrk is not installed, so Bun load processes make the requests (heavier); --install-wrk installs it");
  const client = wrk ? "wrk" : "Bun clients";
  const page = "/?socketURL=ws%3A%2F%2F127.0.0.1%2F";
  for (const path of [page, largest.path]) {
    const runs = all[path] = await inTurns(ctx, async (target, round) => {
      ctx.log(`static ${runtime} ${target}: GET ${path}, ${CONNECTIONS} keep-alive connections from ${client} (round ${round + 1})`);
      const run = await measure(ctx, runtime, target, path, wrk);
      ctx.log(
        `  ${Math.round(run.perSecond)} req/s, ${run.mibPerSecond.toFixed(0)} MiB/s, cores server ${run.cpu.server.toFixed(2)} clients ${
          run.cpu.clients.toFixed(2)
        } other ${run.cpu.other.toFixed(2)}`,
      );
      return run;
    }, (run) => run.cpu.other);
    const mibs = (t: TargetName) => med(runs, t, (r) => r.mibPerSecond).toFixed(0);
    rows.push({
      scenario: "static",
      runtime,
      case: path === page ? "GET /?socketURL=…" : `GET ${path} (${(largest.bytes / 1024).toFixed(0)} KiB)`,
      metric: "requests",
      unit: "req/s",
      higherIsBetter: true,
      dback: med(runs, "d-back", (r) => r.perSecond),
      ceiling: med(runs, "ceiling", (r) => r.perSecond),
      note: `${client}, ${CONNECTIONS} connections; MiB/s d-back ${mibs("d-back")}, ceiling ${mibs("ceiling")}; server cores d-back ${
        med(runs, "d-back", (r) => r.cpu.server).toFixed(2)
      }, ceiling ${med(runs, "ceiling", (r) => r.cpu.server).toFixed(2)}`,
    });
  }
  rows.push(await onTheWire(ctx, runtime, page));
  ctx.detail("static", runtime, { largest, runs: all });
  return rows;
}

/** What a browser accepts; d-back may compress, the ceiling sends files as they are. */
const BROWSER_ENCODINGS = "gzip, deflate, br, zstd";

/**
 * Bytes on the wire for d-zone's page and its script bundle, asked for as a
 * browser asks (any coding it knows): what a first visit downloads besides
 * the images. Counted once per target; sizes do not vary between runs.
 */
async function onTheWire(ctx: Context, runtime: RuntimeName, page: string): Promise<Row> {
  const paths = [page, "/static/bundle.js"];
  const bytes: Record<TargetName, number> = { "d-back": 0, ceiling: 0 };
  const codings: string[] = [];
  for (const target of ["d-back", "ceiling"] as const) {
    const server = await startTarget(target, runtime, { staticDir: ctx.site });
    try {
      for (const path of paths) {
        const got = await wireBytes(server.url, path, BROWSER_ENCODINGS);
        if (got.status !== 200) throw new Error(`${target} answered ${path} with ${got.status}`);
        bytes[target] += got.bytes;
        if (target === "d-back") codings.push(`${path === page ? "page" : "bundle"} ${got.encoding ?? "identity"}`);
      }
    } finally {
      await server.stop();
    }
  }
  ctx.log(`static ${runtime}: page + bundle on the wire: d-back ${bytes["d-back"]} bytes (${codings.join(", ")}), ceiling ${bytes.ceiling}`);
  return {
    scenario: "static",
    runtime,
    case: "page + static/bundle.js, Accept-Encoding of a browser",
    metric: "bytes on the wire",
    unit: "bytes",
    higherIsBetter: false,
    dback: bytes["d-back"],
    ceiling: bytes.ceiling,
    note: `heads included; d-back sent ${codings.join(", ")}; the ceiling compresses nothing`,
  };
}
