// What a server loads only when asked for: started with the metrics library made unloadable, a
// server without --admin-port must still serve, and one with it must fail (which shows the block works).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runCommand, startCommand } from "./helpers/cli.ts";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const isDeno = "Deno" in globalThis;
const dir = mkdtempSync(join(tmpdir(), "dback-lazy-"));
const message = "prom-client is blocked in this test";

// A module that throws when evaluated, in place of prom-client (with the names d-back imports, so linking passes).
const blocked = join(dir, "blocked.mjs");
writeFileSync(blocked, `throw new Error(${JSON.stringify(message)});\nexport const Counter = 0, Gauge = 0, Histogram = 0, Registry = 0;\n`);
// Deno: an import map points the bare name at it. Bun: a plugin, preloaded, replaces the package's entry.
const importMap = join(dir, "map.json");
writeFileSync(importMap, JSON.stringify({ imports: { "prom-client": blocked } }));
const preload = join(dir, "preload.ts");
writeFileSync(
  preload,
  `import { readFileSync } from "node:fs";
(globalThis as any).Bun.plugin({ name: "block-prom-client", setup(build: any) {
  build.onLoad({ filter: /node_modules\\/prom-client\\/index\\.js$/ }, () => ({ contents: readFileSync(${JSON.stringify(blocked)}, "utf8"), loader: "js" }));
} });
`,
);

/** d-back's command line with prom-client unloadable. */
const withoutPromClient = (args: string[]): [string, string[]] =>
  isDeno
    ? [process.execPath, ["run", "-A", `--import-map=${importMap}`, main, ...args]]
    : [process.execPath, ["--preload", preload, main, ...args]];

describe("loaded only when asked for", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a server without --admin-port starts and serves without the metrics library", async () => {
    const running = await startCommand(withoutPromClient(["--port", "0"]));
    try {
      const response = await fetch(running.url + "/api/version");
      assert.equal(response.status, 200);
      await response.body?.cancel();
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  it("with --admin-port it needs the library, so the block above is real", async () => {
    const { code, stderr } = await runCommand(withoutPromClient(["--port", "0", "--admin-port", "0"]));
    assert.notEqual(code, 0);
    assert.match(stderr, new RegExp(message));
  });
});
