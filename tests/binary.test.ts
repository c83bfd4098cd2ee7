// The real executable: compiled once with bun, copied alone into an empty folder, run there, spoken to.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { buildExecutable } from "../build/build.ts";
import { type Running, runCommand, startCommand } from "./helpers/cli.ts";
import { Client } from "./helpers/client.ts";
import { dzoneFiles, makeDzoneFolder } from "./helpers/dzone-folder.ts";
import { RedisServer } from "./helpers/redis.ts";
import { health, synced, waitFor } from "./helpers/cluster.ts";
import { ingest, TOKEN } from "./helpers/ingest.ts";
import { makeCertificate } from "./helpers/certificate.ts";
import { httpsGet } from "./helpers/https.ts";
import { FakeGateway } from "./helpers/fake-gateway.ts";
import { BOT_TOKEN, pixelTown } from "./helpers/discord-world.ts";
import { until } from "./helpers/client.ts";

describe("the executable", () => {
  let dir: string;
  let folder: ReturnType<typeof makeDzoneFolder>;
  let alone: string;
  let exe: string;
  let running: Running;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dback-exe-"));
    folder = makeDzoneFolder();
    const built = await buildExecutable({ dzone: folder.site, out: join(dir, "build", "d-back"), workDir: join(dir, "work") });
    alone = join(dir, "empty");
    mkdirSync(alone);
    exe = join(alone, "d-back");
    copyFileSync(built.outfile, exe);
    chmodSync(exe, 0o755);
    running = await startCommand([exe, ["--port", "0"]], {}, alone);
  }, { timeout: 180_000 });

  after(async () => {
    if (running?.child.exitCode === null) await running.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(folder.root, { recursive: true, force: true });
  });

  it("runs from a folder that holds nothing else, and writes nothing there", () => {
    assert.deepEqual(readdirSync(alone), ["d-back"]);
  });

  it("--version prints the version /api/version reports", async () => {
    const { code, stdout } = await runCommand([exe, ["--version"]]);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), pkg.version);
    assert.deepEqual(await (await fetch(running.url + "/api/version")).json(), { version: pkg.version });
  });

  it("--help explains the same flags as the dev server", async () => {
    const { code, stdout } = await runCommand([exe, ["--help"]]);
    assert.equal(code, 0);
    for (const flag of ["--port", "--host", "--static-dir", "--trust-proxy", "--log-level", "--version"]) {
      assert.ok(stdout.includes(flag), flag);
    }
  });

  it("refuses a bad flag with one line and exit code 2", async () => {
    const { code, stderr } = await runCommand([exe, ["--port", "70000"]]);
    assert.equal(code, 2);
    assert.equal(stderr.trim().split("\n").length, 1);
    assert.match(stderr, /--port/);
  });

  it("reads a config file (folders relative to the file) and refuses a bad one with one line", async () => {
    const conf = join(dir, "conf");
    mkdirSync(join(conf, "site"), { recursive: true });
    writeFileSync(join(conf, "site", "index.html"), "<!doctype html><title>from the config</title>");
    writeFileSync(join(conf, "d-back.json"), JSON.stringify({ port: 0, "static-dir": "site" }));
    const other = await startCommand([exe, ["--config", join(conf, "d-back.json")]], {}, alone);
    try {
      assert.equal(await (await fetch(other.url + "/", { redirect: "manual" })).text(), "<!doctype html><title>from the config</title>");
    } finally {
      assert.equal((await other.stop()).code, 0);
    }
    writeFileSync(join(conf, "bad.json"), JSON.stringify({ port: "0" }));
    const { code, stderr } = await runCommand([exe, ["--config", join(conf, "bad.json")]]);
    assert.equal(code, 2);
    assert.equal(stderr.trim(), `d-back: ${join(conf, "bad.json")}: port must be a number`);
  });

  it("says it serves the embedded d-zone build", () => {
    assert.match(running.log(), / INFO listening .*static="embedded d-zone build \(site\)"/);
  });

  it("sends / on with socketURL pointing back at itself, then serves d-zone's page", async () => {
    const first = await fetch(running.url + "/", { redirect: "manual" });
    assert.equal(first.status, 302);
    const location = new URL(first.headers.get("location")!, running.url);
    assert.equal(location.searchParams.get("socketURL"), `ws://127.0.0.1:${running.port}/`);
    await first.arrayBuffer();
    const page = await fetch(location);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), dzoneFiles["index.html"]);
  });

  it("serves the files inside it, compressed when the client asks", async () => {
    const script = await fetch(running.url + "/static/bundle.js", { headers: { "Accept-Encoding": "br" } });
    assert.equal(script.status, 200);
    assert.equal(script.headers.get("content-encoding"), "br");
    assert.equal(script.headers.get("vary"), "Accept-Encoding");
    assert.equal(await script.text(), dzoneFiles["static/bundle.js"]); // fetch decodes br
    const image = await fetch(running.url + "/img/actors.png");
    assert.equal(image.headers.get("content-type"), "image/png");
    assert.deepEqual(new Uint8Array(await image.arrayBuffer()), dzoneFiles["img/actors.png"]);
    const missing = await fetch(running.url + "/img/leak.png");
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
  });

  it("serves the mock world: server-list, join, and live events", async () => {
    const { client, list, join } = await Client.joined(running.url.replace("http", "ws") + "/", null);
    try {
      assert.equal(Object.keys(list.data).length, 4);
      assert.equal(join.data.serverName, "D-World");
      const event = await client.next(undefined, { timeout: 15_000 });
      assert.ok(["presence", "message"].includes(event.type), JSON.stringify(event));
      const defaultGuild = Object.entries(list.data).find(([, server]) => (server as { default?: boolean }).default)?.[0];
      assert.equal(event.server, defaultGuild);
      assert.ok(event.data.uid in join.data.users, "from a member of the joined guild");
    } finally {
      await client.close();
    }
  });

  it("lets --static-dir override the site inside it", async () => {
    const own = join(dir, "own-site");
    mkdirSync(own);
    writeFileSync(join(own, "index.html"), "<!doctype html><title>my own page</title>");
    const other = await startCommand([exe, ["--port", "0", "--static-dir", own]], {}, alone);
    try {
      const res = await fetch(other.url + "/", { redirect: "manual" });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "<!doctype html><title>my own page</title>");
      assert.match(other.log(), /static="folder /);
    } finally {
      assert.equal((await other.stop()).code, 0);
    }
  });

  it("shares one world with another executable through Redis (--redis)", async () => {
    const redis = await RedisServer.start();
    const env = { DBACK_REDIS_URL: redis.url, DBACK_INGEST_TOKEN: TOKEN };
    const [one, two] = await Promise.all([startCommand([exe, ["--port", "0"]], env, alone), startCommand([exe, ["--port", "0"]], env, alone)]);
    try {
      await synced(one);
      await synced(two);
      const users = { 1: { uid: "1", username: "n0", status: "online", roleColor: "#ffffff" } };
      assert.equal((await ingest(one, "PUT", "/servers/700", { id: "exe", name: "Exe", users })).status, 201);
      await waitFor(async () => (await health(two)).guilds === 1, "the second executable to hear of the guild");
      const { client } = await Client.joined(two.url.replace("http", "ws"), "exe");
      const event = { type: "presence", server: "700", data: { uid: "1", status: "idle", username: "n1" } };
      assert.equal((await ingest(one, "POST", "/events", event)).status, 200);
      assert.equal((await client.next("presence")).data.username, "n1");
      await client.close();
    } finally {
      await Promise.all([one.stop(), two.stop()]);
      await redis.stop();
    }
  });

  it("serves HTTPS with a certificate, metrics on the admin port, and JSON logs", async () => {
    const cert = makeCertificate();
    const admin = await startCommand(
      [exe, ["--port", "0", "--admin-port", "0", "--log-format", "json", "--tls-cert", cert.certFile, "--tls-key", cert.keyFile]],
      {},
      alone,
    );
    try {
      assert.match(admin.url, /^https:/);
      const page = await httpsGet(admin.url + "/", cert.cert, { Host: "d.example" });
      assert.equal(page.status, 302);
      assert.equal(new URL(page.headers.location as string, "https://x").searchParams.get("socketURL"), "wss://d.example/");
      const listening = admin.log().split("\n").filter(Boolean).map((line) => JSON.parse(line)).find((e) => e.message === "listening");
      const metrics = await fetch(listening.admin + "/metrics");
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^dback_viewers 0$/m);
    } finally {
      assert.equal((await admin.stop()).code, 0);
      cert.remove();
    }
  });

  it("connects to Discord as a bot: the viewer sees what the fake gateway says, live", async () => {
    const fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.addGuild(pixelTown());
    const env = { DBACK_DISCORD_TOKEN: BOT_TOKEN, DBACK_DISCORD_API_BASE: fake.apiBase };
    const bot = await startCommand([exe, ["--port", "0"]], env, alone);
    try {
      await until(() => /discord guilds loaded guilds=1/.test(bot.log()), "the guild to load");
      const { client, list, join } = await Client.joined(bot.url.replace("http", "ws") + "/", "pixel-town");
      assert.deepEqual(Object.keys(list.data), ["100000000000000001"]);
      assert.equal(join.data.users["200000000000000001"].username, "Ally");
      fake.presence("100000000000000001", "200000000000000003", "online");
      assert.deepEqual((await client.next("presence")).data, { uid: "200000000000000003", status: "online", username: "carol", roleColor: "#ffffff" });
      fake.reconnect();
      fake.message("100000000000000001", "200000000000000002", "hello <@200000000000000001>", "400000000000000001");
      assert.equal((await client.next("message")).data.message, "hello @Ally");
      await client.close();
      fake.closeOnIdentify = 4014;
      const refused = await runCommand([exe, ["--port", "0"]], env);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^d-back: Discord refused the privileged intents/m);
    } finally {
      assert.equal((await bot.stop()).code, 0);
      await fake.close();
    }
    assert.ok(!bot.log().includes(BOT_TOKEN.split(".")[2]!));
  });

  it("stops with exit code 0 on SIGTERM", async () => {
    const finished = await running.stop("SIGTERM");
    assert.equal(finished.code, 0);
    assert.deepEqual(readdirSync(alone), ["d-back"]);
  });
});
