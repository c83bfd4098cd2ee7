// The README's example: three instances behind nginx (examples/cluster/nginx.conf,
// run as written, only the ports changed). Viewers through the proxy land on
// different instances and all see one world; a killed instance is skipped.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Client, until } from "./helpers/client.ts";
import { ingest } from "./helpers/ingest.ts";
import { freePort, RedisServer } from "./helpers/redis.ts";
import { health, startInstances, waitFor } from "./helpers/cluster.ts";
import { makeDzoneFolder } from "./helpers/dzone-folder.ts";
import type { Running } from "./helpers/cli.ts";

const example = fileURLToPath(new URL("../examples/cluster/nginx.conf", import.meta.url));

/** nginx on PATH, else where Debian installs it (/usr/sbin is not on a regular user's PATH). */
function nginxBinary(): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, "nginx"), constants.X_OK);
      return join(dir, "nginx");
    } catch { /* not here */ }
  }
  return "nginx";
}

describe("three instances behind nginx (the README's example)", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let instances: Running[] = [];
  let nginx: ChildProcess;
  let dir: string;
  let proxy: string;
  let site: { root: string; site: string };
  const clients: Client[] = [];

  before(async () => {
    redis = await RedisServer.start();
    site = makeDzoneFolder();
    instances = await startInstances(3, redis.url, ["--trust-proxy", "127.0.0.1", "--max-connections-per-ip", "0", "--static-dir", site.site]);
    const port = await freePort();
    proxy = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), "dback-nginx-"));
    // nginx's workers run as nobody when it starts as root: let them write their temp files.
    mkdirSync(join(dir, "proxy"), { mode: 0o777 });
    const conf = readFileSync(example, "utf8")
      .replace("127.0.0.1:8080", `127.0.0.1:${port}`)
      .replace(/127\.0\.0\.1:300([123])/g, (_, n) => `127.0.0.1:${instances[Number(n) - 1]!.port}`);
    writeFileSync(join(dir, "nginx.conf"), conf);
    nginx = spawn(nginxBinary(), ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
    let errors = "";
    nginx.stderr!.on("data", (d) => errors += d);
    // An nginx that cannot run, or exits, says why at once instead of after the wait.
    const failed = new Promise<never>((_, reject) => {
      nginx.on("error", (error) => reject(new Error(`nginx could not run (is it installed?): ${error.message}`)));
      nginx.on("exit", (code) => reject(new Error(`nginx exited with ${code}: ${errors}`)));
    });
    await Promise.race([waitFor(async () => (await fetch(`${proxy}/health`)).ok, `nginx on ${proxy}`), failed]);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    if (nginx?.pid && nginx.exitCode === null && nginx.signalCode === null) process.kill(nginx.pid, "SIGTERM");
    for (const instance of instances) await instance.stop("SIGKILL").catch(() => {});
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (site) rmSync(site.root, { recursive: true, force: true });
  });

  it("sends a d-zone page opened through the proxy on to the proxy's own address, port and all", async () => {
    // nginx's $host drops the port: d-zone would then dial ws://127.0.0.1/ and reach nothing.
    const response = await fetch(`${proxy}/?s=proxied`, { redirect: "manual" });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get("location")!, proxy);
    assert.equal(location.searchParams.get("socketURL"), `${proxy.replace("http", "ws")}/`);
  });

  it("viewers through the proxy spread over the instances and all see one world", async () => {
    const put = await ingest({ url: proxy }, "PUT", "/servers/600", {
      id: "proxied",
      name: "Proxied",
      users: { 1: { uid: "1", username: "n0", status: "online", roleColor: "#ffffff" } },
    });
    assert.equal(put.status, 201);
    for (let i = 0; i < 6; i++) clients.push((await Client.joined(proxy.replace("http", "ws"), "proxied")).client);
    const spread = await Promise.all(instances.map(async (instance) => (await health(instance)).viewers));
    assert.deepEqual(spread, [2, 2, 2]);
    const events = Array.from({ length: 50 }, (_, i) => ({ type: "presence", server: "600", data: { uid: "1", status: "idle", username: `n${i + 1}` } }));
    assert.equal((await ingest({ url: proxy }, "POST", "/events", events)).status, 200);
    for (const client of clients) {
      await until(() => client.frames.at(-1)?.data?.username === "n50", "n50 on every viewer");
      assert.deepEqual(client.drain().map((f) => f.data.username), events.map((e) => e.data.username));
    }
  });

  it("an instance killed with SIGKILL is skipped: new viewers still get in and see the world", async () => {
    await instances[0]!.stop("SIGKILL");
    for (let i = 0; i < 4; i++) {
      const { client, join } = await Client.joined(proxy.replace("http", "ws"), "proxied");
      clients.push(client);
      assert.equal(join.data.users["1"].username, "n50");
    }
  });
});
