/**
 * The benchmark suite: every scenario against d-back and against the least
 * server that does the same job on the same runtime (bench/ceiling/), in
 * one run, so each figure is also a ratio. Servers and load generators are
 * separate processes; the load generators are Bun processes whatever the
 * server's runtime. Prints a table and writes JSON.
 *
 *   deno task bench                      bun run bench
 *   bun run bench -- --only fanout --runtime bun --sizes 1000
 *   bun run bench -- --quick
 */
import process from "node:process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseOptions, type ScenarioName, usage } from "./options.ts";
import { makeSite } from "./fixture.ts";
import { machine, type Row, table, writeResults } from "./report.ts";
import { repo } from "./proc.ts";
import type { Context, Scenario } from "./scenarios/context.ts";
import { fanout, paced } from "./scenarios/fanout.ts";
import { joinStorm } from "./scenarios/join-storm.ts";
import { idleMemory } from "./scenarios/idle-memory.ts";
import { coldStartScenario } from "./scenarios/cold-start.ts";
import { staticFiles } from "./scenarios/static.ts";
import { original } from "./scenarios/original.ts";
import { cluster } from "./scenarios/cluster.ts";
import { discordChunks, discordFanout } from "./scenarios/discord.ts";

const scenarios: Record<ScenarioName, Scenario> = {
  fanout,
  paced,
  join: joinStorm,
  idle: idleMemory,
  cold: coldStartScenario,
  static: staticFiles,
  original,
  cluster,
  discord: discordFanout,
  chunks: discordChunks,
};

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const runner = "Deno" in globalThis ? "deno" : "bun";
  const generated = options.staticDir ? undefined : makeSite();
  const details: Record<string, unknown>[] = [];
  const ctx: Context = {
    options,
    site: options.staticDir ?? generated!,
    log: (line) => console.error(`[bench] ${line}`),
    detail: (scenario, runtime, data) => details.push({ scenario, runtime, ...data }),
  };
  const info = machine();
  ctx.log(`machine: ${info.nproc} cores (${info.cpu}), ${info.ramGiB} GiB; bun ${info.bun}; ${info.deno}`);
  ctx.log("servers and load generators share these cores; load generators are Bun processes for every server runtime");
  const rows: Row[] = [];
  const failures: string[] = [];
  try {
    for (const name of options.scenarios) {
      for (const runtime of options.runtimes) {
        try {
          rows.push(...await scenarios[name](ctx, runtime));
        } catch (error) {
          const why = `${name} on ${runtime} failed: ${error instanceof Error ? error.message : String(error)}`;
          ctx.log(why);
          failures.push(why);
        }
      }
    }
  } finally {
    if (generated) rmSync(generated, { recursive: true, force: true });
  }
  const out = resolve(repo, options.out);
  writeResults(out, {
    date: new Date().toISOString(),
    command: `${runner} bench/main.ts ${argv.join(" ")}`.trim(),
    runner,
    loadClients: "bun",
    machine: info,
    options,
    rows,
    failures,
    details,
  });
  console.log(table(rows));
  console.log(`\nservers and load clients share ${info.nproc} cores; load clients are Bun processes for both runtimes.`);
  console.log(`JSON: ${out}`);
  for (const f of failures) console.log(`FAILED: ${f}`);
  return failures.length ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
  console.error(`bench: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
