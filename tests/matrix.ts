/**
 * The whole suite on Deno and on Bun, one after the other, with one summed
 * verdict at the end: `N passed, M failed`. Run by `npm test` / `deno task test`.
 *
 *   npm test                              every test file, both runtimes
 *   npm test -- tests/protocol.test.ts    some files
 *   npm test -- --only deno               one runtime
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

/** The runtime binary: the project's own (npm devDependency) first, then PATH. */
function binary(name: string): string {
  const local = join("node_modules", ".bin", name);
  return existsSync(local) ? local : name;
}

/** Leaf test cases of a JUnit report (a `describe` is not a test; its `it`s are). */
export function tally(xml: string): Tally {
  const cases: { name: string; failed: boolean; skipped: boolean }[] = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1]!;
    const name = unescape(/\bname="([^"]*)"/.exec(attrs)?.[1] ?? "");
    const cls = unescape(/\bclassname="([^"]*)"/.exec(attrs)?.[1] ?? "");
    const body = m[2] ?? "";
    // Bun nests describe blocks as suites and names cases by their last part; join them back.
    const full = cls && !cls.startsWith("./") && !cls.startsWith("ext:") && !name.startsWith(cls) ? `${cls} > ${name}` : name;
    cases.push({ name: full, failed: /<(failure|error)\b/.test(body), skipped: /<skipped\b/.test(body) });
  }
  const names = cases.map((c) => c.name);
  const leaves = cases.filter((c) => !names.some((other) => other.startsWith(c.name + " > ")));
  return {
    passed: leaves.filter((c) => !c.failed && !c.skipped).length,
    failed: leaves.filter((c) => c.failed).length,
    skipped: leaves.filter((c) => c.skipped).length,
    failures: leaves.filter((c) => c.failed).map((c) => c.name),
  };
}

const unescape = (s: string) =>
  s.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

function run(runtime: "deno" | "bun", files: string[], dir: string): Tally {
  const report = join(dir, `${runtime}.xml`);
  const args = runtime === "deno"
    ? ["test", "-A", `--junit-path=${report}`, ...(files.length ? files : ["tests/"])]
    : ["test", "--timeout", "30000", "--reporter=junit", `--reporter-outfile=${report}`, ...(files.length ? files.map((f) => `./${f}`) : [])];
  console.log(`\n━━━ ${runtime} ${args.join(" ")}`);
  const result = spawnSync(binary(runtime), args, { stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  if (!existsSync(report)) {
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    return { passed: 0, failed: 1, skipped: 0, failures: [`${runtime} did not run (${why})`] };
  }
  const t = tally(readFileSync(report, "utf8"));
  if (result.status !== 0 && t.failed === 0) {
    t.failed = 1;
    t.failures.push(`${runtime} exited with ${result.status} outside any test`);
  }
  return t;
}

if (import.meta.main ?? true) {
  const argv = process.argv.slice(2);
  const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
  const files = argv.filter((a, i) => a !== "--only" && argv[i - 1] !== "--only");
  const dir = mkdtempSync(join(tmpdir(), "dback-matrix-"));
  const results: [string, Tally][] = [];
  for (const runtime of ["deno", "bun"] as const) {
    if (!only || only === runtime) results.push([runtime, run(runtime, files, dir)]);
  }
  rmSync(dir, { recursive: true, force: true });

  console.log("\n━━━ summary");
  for (const [runtime, t] of results) {
    console.log(`${runtime}: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}`);
    for (const name of t.failures) console.log(`  ✗ ${name}`);
  }
  const passed = results.reduce((n, [, t]) => n + t.passed, 0);
  const failed = results.reduce((n, [, t]) => n + t.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}
