// The README's start commands, run as a user runs them: `deno task start|dev`, `npm start`, and the
// dependency check that runs before them (scripts/ensure-deps.mjs).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import pkg from "../package.json" with { type: "json" };
import { runCommand } from "./helpers/cli.ts";
import { until } from "./helpers/client.ts";
import { freePort } from "./helpers/redis.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);

interface Group {
  url: Promise<string>;
  /** Sends `signal` to the whole process group, as a terminal's Ctrl-C does. */
  signal(signal: "SIGINT" | "SIGTERM", toGroup?: boolean): void;
  exited: Promise<number | null>;
  log(): string;
  pid: number;
}

/** Starts a command in its own process group (as a terminal runs it) and waits for d-back's listening URL. */
function startGroup(cmd: string, args: string[], cwd = root): Group {
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  let found: (url: string) => void;
  const url = new Promise<string>((resolve) => found = resolve);
  const read = (chunk: Buffer) => {
    output += chunk;
    const match = / listening url=(http:\/\/\S+)/.exec(output);
    if (match) found(match[1]!);
  };
  child.stdout!.on("data", read);
  child.stderr!.on("data", read);
  const exited = new Promise<number | null>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 60_000);
  exited.then(() => clearTimeout(timer));
  return {
    url,
    pid: child.pid!,
    signal: (signal, toGroup = true) => process.kill(toGroup ? -child.pid! : child.pid!, signal),
    exited,
    log: () => output,
  };
}

/** True when nothing answers at `url` any more. */
async function gone(url: string): Promise<boolean> {
  try {
    await (await fetch(url + "/api/version")).arrayBuffer();
    return false;
  } catch {
    return true;
  }
}

describe("start commands", () => {
  it("deno task start -- --port 0: the `--` is not an argument; Ctrl-C stops it with exit 0", async () => {
    const task = startGroup(bin("deno"), ["task", "start", "--", "--port", "0"]);
    const url = await task.url;
    assert.deepEqual(await (await fetch(url + "/api/version")).json(), { version: pkg.version });
    task.signal("SIGINT");
    assert.equal(await task.exited, 0, task.log());
    assert.doesNotMatch(task.log(), /second signal/);
    assert.ok(await gone(url));
  });

  it("deno task dev: Ctrl-C ends the server and the watcher", async () => {
    const task = startGroup(bin("deno"), ["task", "dev", "--", "--port", "0"]);
    const url = await task.url;
    task.signal("SIGINT");
    assert.equal(await task.exited, 130, task.log());
    assert.match(task.log(), / INFO stopped/);
    assert.doesNotMatch(task.log(), /second signal|Restarting on file change/);
    assert.ok(await gone(url));
  });

  it("deno task dev: a changed source file restarts the server, which serves again on the same port", async () => {
    // A copy of what the task runs, so the test edits no file of the checkout.
    const dir = mkdtempSync(join(tmpdir(), "dback-dev-"));
    try {
      for (const name of ["deno.json", "package.json", "package-lock.json"]) copyFileSync(join(root, name), join(dir, name));
      cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
      cpSync(join(root, "scripts"), join(dir, "scripts"), { recursive: true });
      symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
      const port = await freePort();
      const task = startGroup(bin("deno"), ["task", "dev", "--", "--port", String(port)], dir);
      const url = await task.url;
      const version = join(dir, "src", "version.ts");
      writeFileSync(version, readFileSync(version, "utf8") + "\n// changed\n");
      await until(() => task.log().split(" listening url=").length === 3, "a second listening line", 20_000);
      assert.deepEqual(await (await fetch(url + "/api/version")).json(), { version: pkg.version });
      assert.equal((await fetch(url + "/health")).status, 200);
      task.signal("SIGINT");
      assert.equal(await task.exited, 130, task.log());
      assert.ok(await gone(url));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("npm start: SIGTERM to npm alone (as a process manager sends it) stops the server too", async () => {
    const npm = startGroup("npm", ["start", "--", "--port", "0"]);
    const url = await npm.url;
    npm.signal("SIGTERM", false);
    await npm.exited;
    assert.match(npm.log(), /shutting down signal=SIGTERM/);
    assert.ok(await gone(url), "the Bun process is not left running");
  });
});

describe("the dependency check before start", () => {
  /** A project folder with the check script and the given package files. */
  function project(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), "dback-deps-"));
    mkdirSync(join(dir, "scripts"));
    mkdirSync(join(dir, "node_modules"));
    copyFileSync(join(root, "scripts", "ensure-deps.mjs"), join(dir, "scripts", "ensure-deps.mjs"));
    for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), JSON.stringify(content));
    return dir;
  }
  const lock = (packages: Record<string, { version: string; optional?: boolean }>, deps: Record<string, string>) => ({
    lockfileVersion: 3,
    packages: { "": { dependencies: deps }, ...Object.fromEntries(Object.entries(packages).map(([n, e]) => [`node_modules/${n}`, e])) },
  });
  /** Node, by its full path: the check runs on it while PATH holds no npm. */
  const node = execFileSync("sh", ["-c", "command -v node"], { encoding: "utf8" }).trim();

  it("is quiet when node_modules matches package-lock.json (optional packages may be missing)", async () => {
    const dir = project({
      "package.json": { dependencies: { hono: "^4.0.0" } },
      "package-lock.json": lock({ hono: { version: "4.1.0" }, "@oven/bun-darwin-x64": { version: "1.0.0", optional: true } }, { hono: "^4.0.0" }),
      "node_modules/.package-lock.json": lock({ hono: { version: "4.1.0" } }, {}),
    });
    try {
      const { code, stderr } = await runCommand([node, [join(dir, "scripts", "ensure-deps.mjs")]]);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (
    const [name, files, reason] of [
      ["nothing is installed", {
        "package.json": { dependencies: { hono: "^4.0.0" } },
        "package-lock.json": lock({ hono: { version: "4.1.0" } }, { hono: "^4.0.0" }),
      }, /node_modules is not installed/],
      ["a dependency was added to package.json later", {
        "package.json": { dependencies: { hono: "^4.0.0", valibot: "^1.0.0" } },
        "package-lock.json": lock({ hono: { version: "4.1.0" } }, { hono: "^4.0.0" }),
        "node_modules/.package-lock.json": lock({ hono: { version: "4.1.0" } }, {}),
      }, /package\.json asks for valibot@\^1\.0\.0/],
      ["package-lock.json moved on (git pull)", {
        "package.json": { dependencies: { hono: "^4.0.0" } },
        "package-lock.json": lock({ hono: { version: "4.2.0" } }, { hono: "^4.0.0" }),
        "node_modules/.package-lock.json": lock({ hono: { version: "4.1.0" } }, {}),
      }, /hono is 4\.1\.0, package-lock\.json asks for 4\.2\.0/],
    ] as [string, Record<string, unknown>, RegExp][]
  ) {
    it(`notices when ${name}, and says clearly that it needs npm when npm is missing`, async () => {
      const dir = project(files);
      try {
        const { code, stderr } = await runCommand([node, [join(dir, "scripts", "ensure-deps.mjs")]], { PATH: "/nonexistent" });
        assert.equal(code, 1, stderr);
        assert.match(stderr, reason);
        assert.match(stderr, /running npm install/);
        assert.match(stderr, /cannot install the dependencies: npm is not available .*run `npm install`/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

const systemdAnalyze = "/usr/bin/systemd-analyze";
describe("the README's systemd unit", () => {
  it("is accepted by systemd-analyze verify, and refused when its ExecStart is not there", { skip: existsSync(systemdAnalyze) ? false : `needs ${systemdAnalyze}` }, async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const unit = /```ini\n(\[Unit\][\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(unit, "the README has an ini block with a unit");
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/d-back /m);
    // d-back exits 1 at once when Discord cannot be reached at start; with systemd's default pause (100 ms) five such
    // starts within StartLimitIntervalSec (10 s) end the restarts for good, so a short outage would leave it stopped.
    const restartSec = Number(/^RestartSec=(\d+)s?$/m.exec(unit)?.[1] ?? 0.1);
    assert.ok(restartSec * 5 > 10, `RestartSec=${restartSec}: five failed starts fit in systemd's 10 s start limit`);
    const dir = mkdtempSync(join(tmpdir(), "dback-unit-"));
    try {
      const verify = (exe: string) => {
        writeFileSync(join(dir, "d-back.service"), unit.replace("/usr/local/bin/d-back", exe));
        return runCommand([systemdAnalyze, ["verify", join(dir, "d-back.service")]]);
      };
      // Any executable stands in for the installed d-back: verify checks the unit, not the program.
      const good = await verify(process.execPath);
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stderr.trim(), "");
      const bad = await verify(join(dir, "missing"));
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /not executable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
