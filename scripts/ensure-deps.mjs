// Runs before `npm start`, `npm test`, `deno task start`, … : makes sure node_modules holds what
// package-lock.json asks for, and installs it (`npm install`) when it does not. Plain JavaScript on
// purpose: it must run on Node, before Bun or Deno are installed (npm brings both).
//
// "Installed" means: npm's own record of node_modules (node_modules/.package-lock.json) lists every
// package that package-lock.json lists, at the same version (optional ones, e.g. another platform's
// Bun, may be missing), and package-lock.json names every dependency of package.json. So a
// dependency added after the first install is noticed, not only a missing node_modules.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readJson = (path) => JSON.parse(readFileSync(join(root, path), "utf8"));

/** Why node_modules is out of date, or undefined when it is not. */
function staleness() {
  if (!existsSync(join(root, "node_modules", ".package-lock.json"))) return "node_modules is not installed";
  const pkg = readJson("package.json");
  const lock = readJson("package-lock.json").packages ?? {};
  const installed = readJson("node_modules/.package-lock.json").packages ?? {};
  const declared = { ...pkg.dependencies, ...pkg.devDependencies };
  const locked = { ...lock[""]?.dependencies, ...lock[""]?.devDependencies };
  for (const [name, range] of Object.entries(declared)) {
    if (locked[name] !== range) return `package.json asks for ${name}@${range}, package-lock.json does not`;
  }
  for (const [path, entry] of Object.entries(lock)) {
    if (path === "" || !path.startsWith("node_modules/")) continue;
    const have = installed[path];
    if (!have && !entry.optional) return `${path.slice("node_modules/".length)} is not installed`;
    if (have && have.version !== entry.version) {
      return `${path.slice("node_modules/".length)} is ${have.version}, package-lock.json asks for ${entry.version}`;
    }
  }
  return undefined;
}

const why = staleness();
if (why !== undefined) {
  console.error(`d-back: ${why}; running npm install`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["install", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (result.error || result.status !== 0) {
    const reason = result.error ? `npm is not available (${result.error.message})` : `npm install exited with ${result.status}`;
    console.error(`d-back: cannot install the dependencies: ${reason}. Install Node.js 20 or newer (it brings npm), then run \`npm install\` in ${root}`);
    process.exit(1);
  }
}
