/**
 * Results: one row per figure, d-back beside the ceiling measured in the
 * same run; printed as a table and written as JSON with the machine.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { dirname } from "node:path";
import { binary, type RuntimeName } from "./proc.ts";

export interface Row {
  scenario: string;
  runtime: RuntimeName;
  /** What was measured, e.g. "1000 viewers" or "GET /". */
  case: string;
  metric: string;
  unit: string;
  /** Whether a higher figure is the better one. */
  higherIsBetter: boolean;
  dback: number | null;
  ceiling: number | null;
  /** Anything the figure cannot say by itself: lost messages, a skipped part, CPU use. */
  note?: string;
}

/** d-back ÷ ceiling. */
export const ratio = (row: Row): number | null =>
  row.dback === null || row.ceiling === null || row.ceiling === 0 ? null : row.dback / row.ceiling;

export function machine(): Record<string, unknown> {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0]!.trim();
    } catch {
      return "unknown";
    }
  };
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpuModel;
  } catch { /* not Linux */ }
  return {
    nproc: Number(version("nproc", [])) || cpus().length,
    cpu: cpuModel,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    bun: version(binary("bun"), ["--version"]),
    deno: version(binary("deno"), ["eval", "console.log(`deno ${Deno.version.deno}`)"]),
  };
}

const fmt = (x: number | null, unit: string): string => {
  if (x === null || !Number.isFinite(x)) return "–";
  if (unit === "msg/s" || unit === "req/s") return Math.round(x).toLocaleString("en-US");
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
};

/** The rows as a Markdown table. */
export function table(rows: readonly Row[]): string {
  const lines = [
    "| scenario | runtime | case | metric | d-back | ceiling | d-back ÷ ceiling | note |",
    "| --- | --- | --- | --- | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    const q = ratio(r);
    const better = r.higherIsBetter ? "↑" : "↓";
    lines.push(
      `| ${r.scenario} | ${r.runtime} | ${r.case} | ${r.metric} (${r.unit}) ${better} | ${fmt(r.dback, r.unit)} | ${
        fmt(r.ceiling, r.unit)
      } | ${q === null ? "–" : `${q.toFixed(2)}×`} | ${r.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

export function writeResults(file: string, results: Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
}
