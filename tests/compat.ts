/**
 * The test suite on chosen versions of Deno, Bun and hono: copies this
 * checkout (its tracked files) into a temporary folder, installs it there with
 * those versions from the npm registry, and runs tests/matrix.ts in the copy.
 * The last line is matrix.ts's `N passed, M failed`.
 *
 *   bun tests/compat.ts --deno 2.1.0 --bun 1.2.0 --hono 4.6.0            the whole suite
 *   bun tests/compat.ts --deno 2.1.0 --bun 1.2.0 tests/protocol.test.ts  some files
 *
 * A version left out stays what package-lock.json pins. Not a *.test.ts file:
 * the suite does not run itself.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { deno: { type: "string" }, bun: { type: "string" }, hono: { type: "string" }, keep: { type: "boolean" } },
});
for (const [name, version] of Object.entries(values)) {
  if (typeof version === "string" && !/^\d+\.\d+\.\d+$/.test(version)) {
    console.error(`compat.ts: --${name} must be a version like 2.1.0, got ${JSON.stringify(version)}`);
    process.exit(2);
  }
}

const dir = mkdtempSync(join(tmpdir(), "dback-compat-"));
const copy = join(dir, "d-back");
const npm = (args: string[]) => execFileSync("npm", args, { cwd: copy, stdio: ["ignore", "inherit", "inherit"] });
let code = 1;
try {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    mkdirSync(join(copy, dirname(file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  console.log(`compat.ts: ${files.length} files copied to ${copy}`);
  npm(["ci", "--no-audit", "--no-fund"]);
  const wanted = (["deno", "bun", "hono"] as const).filter((name) => values[name]).map((name) => `${name}@${values[name]}`);
  if (wanted.length) npm(["install", "--no-audit", "--no-fund", "--save-exact", ...wanted]);
  const bin = (name: string) => join(copy, "node_modules", ".bin", name);
  const versions = {
    deno: execFileSync(bin("deno"), ["--version"], { encoding: "utf8" }).split("\n")[0]!.split(" ")[1],
    bun: execFileSync(bin("bun"), ["--version"], { encoding: "utf8" }).trim(),
    hono: JSON.parse(execFileSync("npm", ["ls", "hono", "--json"], { cwd: copy, encoding: "utf8" })).dependencies.hono.version,
  };
  console.log(`compat.ts: deno ${versions.deno}, bun ${versions.bun}, hono ${versions.hono}`);
  const result = spawnSync(bin("bun"), ["tests/matrix.ts", ...positionals], {
    cwd: copy,
    stdio: "inherit",
    env: { ...process.env, PATH: `${join(copy, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  code = result.status ?? 1;
} catch (error) {
  console.error(`compat.ts: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  console.log("0 passed, 1 failed");
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
