// The npm package as a user meets it: `npm pack`, installed into an empty project, imported by
// name on the runtime running this test, and its `d-back` command.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import pkg from "../package.json" with { type: "json" };
import denoJson from "../deno.json" with { type: "json" };
import { runCommand, scriptCommand, startCommand } from "./helpers/cli.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
/** npm, with the project's Bun on PATH (`prepack` builds the JavaScript with it). */
const env = { PATH: [join(root, "node_modules", ".bin"), process.env.PATH].join(delimiter) };
const npm = (args: string[], cwd: string) =>
  new Promise<string>((resolve, reject) =>
    execFile("npm", args, { cwd, env: { ...process.env, ...env }, timeout: 150_000 }, (error, stdout, stderr) => error ? reject(new Error(`npm ${args[0]}: ${stderr}`)) : resolve(stdout))
  );

describe("the npm package", () => {
  let dir: string;
  let project: string;
  let shipped: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dback-package-"));
    const [packed] = JSON.parse(await npm(["pack", "--json", "--pack-destination", dir], root)) as { filename: string; files: { path: string }[] }[];
    shipped = packed!.files.map((f) => f.path);
    project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await npm(["install", "--no-audit", "--no-fund", join(dir, packed!.filename)], project);
  }, { timeout: 180_000 });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("ships the library, its types and documents; no tests, bench or build scripts", () => {
    for (const file of ["package.json", "src/mod.ts", "src/main.ts", "src/bin.ts", "dist/npm/mod.js", "README.md", "LICENSE", "PROTOCOL.md"]) {
      assert.ok(shipped.includes(file), file);
    }
    for (const file of shipped) assert.doesNotMatch(file, /^(tests|bench|build|scripts|examples|\.ci|\.github)\/|^(build|release)\.ts$/, file);
  });

  it("import { createServer } from \"d-back\" starts a server", async () => {
    const script = join(project, "main.ts");
    writeFileSync(
      script,
      `import { createServer, type Server } from "d-back";
const server: Server = await createServer({ port: 0 });
await server.start();
const body = await (await fetch(server.url + "/api/version")).json();
console.log(JSON.stringify(body));
await server.stop();
`,
    );
    const { code, stdout, stderr } = await runCommand(scriptCommand(script, []), {}, 60_000);
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)!), { version: pkg.version });
  });

  it("its types reach the importer: a wrong option is a type error", () => {
    const script = join(project, "typed.ts");
    writeFileSync(script, `import { createServer } from "d-back";\nawait createServer({ port: "3000" });\n`);
    const deno = join(root, "node_modules", ".bin", "deno");
    let output = "";
    try {
      execFileSync(deno, ["check", script], { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    } catch (error) {
      output = String((error as { stderr?: string }).stderr);
    }
    assert.match(output, /TS2322.*'string' is not assignable to type 'number'/);
  });

  it("its d-back command (bunx d-back) starts the server", async () => {
    const running = await startCommand([join(project, "node_modules", ".bin", "d-back"), ["--port", "0"]], env, project);
    try {
      assert.match(running.log(), / listening .*runtime=bun /);
      assert.deepEqual(await (await fetch(running.url + "/api/version")).json(), { version: pkg.version });
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  it("deno.json is ready for JSR: same version, and deno publish --dry-run passes", async () => {
    assert.equal(denoJson.version, pkg.version);
    const deno = join(root, "node_modules", ".bin", "deno");
    // Slow types: the protocol's types are inferred from its valibot schemas, on purpose (written once).
    const { code, stdout, stderr } = await runCommand([deno, ["publish", "--dry-run", "--allow-slow-types", "--allow-dirty", "--config", join(root, "deno.json")]], {}, 120_000);
    assert.equal(code, 0, stderr);
    const listed = stdout + stderr;
    assert.match(listed, /Success Dry run complete/);
    assert.match(listed, /src\/mod\.ts/);
    assert.doesNotMatch(listed, /tests\/|bench\/|build\.ts|release\.ts|src\/bin\.ts/);
  });
});
