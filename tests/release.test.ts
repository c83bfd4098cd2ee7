// `release.ts` as a release manager runs it: two of its platforms (the build machine's own and
// linux-arm64, started under qemu-user), named and summed as published.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pkg from "../package.json" with { type: "json" };
import { releaseName } from "../build/release.ts";
import { runCommand, scriptCommand, startCommand } from "./helpers/cli.ts";
import { dzoneFiles, makeDzoneFolder } from "./helpers/dzone-folder.ts";

const script = fileURLToPath(new URL("../release.ts", import.meta.url));
/** qemu-user and an arm64 C library (Debian: qemu-user-static, libc6-arm64-cross; .ci/run installs them). */
const qemu = "/usr/bin/qemu-aarch64-static";
const arm64Libc = "/usr/aarch64-linux-gnu";
const canRunArm64 = existsSync(qemu) && existsSync(join(arm64Libc, "lib", "ld-linux-aarch64.so.1"));

describe("release.ts", () => {
  let dir: string;
  let folder: ReturnType<typeof makeDzoneFolder>;
  let printed: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dback-release-"));
    folder = makeDzoneFolder();
    const { code, stdout, stderr } = await runCommand(
      scriptCommand(script, ["--dzone", folder.site, "--out", join(dir, "out"), "--platform", "linux-x64", "--platform", "linux-arm64"]),
      {},
      300_000,
    );
    assert.equal(code, 0, stderr);
    printed = stdout;
  }, { timeout: 320_000 });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(folder.root, { recursive: true, force: true });
  });

  it("names each executable d-back-<version>-<os>-<arch> and lists it in SHA256SUMS with its hash", () => {
    const out = join(dir, "out");
    const names = [`d-back-${pkg.version}-linux-x64`, `d-back-${pkg.version}-linux-arm64`];
    assert.deepEqual(readdirSync(out).sort(), ["SHA256SUMS", ...names].sort());
    const sums = readFileSync(join(out, "SHA256SUMS"), "utf8");
    assert.equal(
      sums,
      names.map((name) => `${createHash("sha256").update(readFileSync(join(out, name))).digest("hex")}  ${name}\n`).join(""),
    );
    assert.match(printed, /wrote .*SHA256SUMS/);
  });

  it("calls the Windows one .exe", () => {
    assert.equal(releaseName("windows-x64", "1.2.3"), "d-back-1.2.3-windows-x64.exe");
    assert.equal(releaseName("darwin-arm64", "1.2.3"), "d-back-1.2.3-darwin-arm64");
  });

  it("linux-x64 runs here and serves the d-zone inside it", async () => {
    const running = await startCommand([join(dir, "out", `d-back-${pkg.version}-linux-x64`), ["--port", "0"]]);
    try {
      assert.deepEqual(await (await fetch(running.url + "/api/version")).json(), { version: pkg.version });
      assert.equal(await (await fetch(running.url + "/static/bundle.js")).text(), dzoneFiles["static/bundle.js"]);
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  it("linux-arm64 starts under qemu-user and answers /api/version", { skip: canRunArm64 ? false : `needs ${qemu} and ${arm64Libc}` }, async () => {
    const exe = join(dir, "out", `d-back-${pkg.version}-linux-arm64`);
    const running = await startCommand([qemu, ["-L", arm64Libc, exe, "--port", "0"]]);
    try {
      assert.match(running.log(), / listening .*runtime=bun .*static="embedded d-zone build \(site\)"/);
      assert.deepEqual(await (await fetch(running.url + "/api/version")).json(), { version: pkg.version });
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  it("refuses an unknown platform with one line and exit code 2", async () => {
    const { code, stderr } = await runCommand(scriptCommand(script, ["--platform", "plan9-mips"]));
    assert.equal(code, 2);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /--platform must be one of linux-x64, linux-arm64, darwin-x64, darwin-arm64, windows-x64/);
  });
});
