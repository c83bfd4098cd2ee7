// The command binds its port before the server behind it has loaded: /api/version is answered at once,
// everything else is held until the server starts (then served), or answered 503 if the start fails.
// Discord's REST API (the fake's) is held back, so the start waits exactly as long as the test wants.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { cliCommand, runCommand, startCommand } from "./helpers/cli.ts";
import { connect, type Socket } from "node:net";
import { Client, sleep, until } from "./helpers/client.ts";
import { BOT_TOKEN, pixelTown } from "./helpers/discord-world.ts";
import { FakeGateway } from "./helpers/fake-gateway.ts";
import { rawRequest } from "./helpers/http.ts";
import { makeCertificate } from "./helpers/certificate.ts";
import { curlGet, httpsGet } from "./helpers/https.ts";
import { freePort } from "./helpers/redis.ts";
import { VERSION } from "../src/version.ts";

let fake: FakeGateway | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/**
 * A fake Discord whose REST answers wait until `release()`, so d-back's start
 * stays under way, and a free port for d-back (`base` is its URL).
 */
async function heldDiscord(): Promise<{ fake: FakeGateway; release: () => void; port: number; base: string }> {
  fake = await FakeGateway.start({ token: BOT_TOKEN });
  fake.addGuild(pixelTown());
  fake.rest.holdAll = true;
  const held = fake;
  const port = await freePort();
  return {
    fake,
    release: () => {
      held.rest.holdAll = false;
      held.rest.releaseHeld();
    },
    port,
    base: `http://127.0.0.1:${port}`,
  };
}

const env = (token = BOT_TOKEN) => ({ DBACK_DISCORD_TOKEN: token, DBACK_DISCORD_API_BASE: fake!.apiBase });

/** The first answer from the port, once the command has bound it. */
async function firstAnswer(url: string): Promise<Response> {
  for (;;) {
    try {
      return await fetch(url);
    } catch {
      await sleep(10); // not bound yet
    }
  }
}

/** A request whose answer is recorded when it comes, so a test can see it has not come yet. */
function pending(answer: Promise<{ status: number }>) {
  const state = { settled: false, answer: answer.finally(() => state.settled = true) };
  return state;
}

describe("the command's early port", () => {
  it("is told of in --help: what is answered, what waits, and how many", async () => {
    const { code, stdout } = await runCommand(cliCommand(["--help"]));
    assert.equal(code, 0);
    const text = stdout.replace(/\s+/g, " ");
    assert.match(text, /GET \/api\/version is answered at once and every other request waits, at most --max-connections of them/);
    assert.match(text, /one more gets 503 with Retry-After: 1/);
    assert.match(text, /--max-connections-per-ip from one address \(one more gets 429\)/);
  });

  it("answers /api/version while the server is still starting, and serves what it held once started", async () => {
    const { release, port, base } = await heldDiscord();
    const started = startCommand(cliCommand(["--port", String(port)]), env());

    const version = await firstAnswer(`${base}/api/version`);
    assert.equal(version.status, 200);
    assert.equal(version.headers.get("content-type"), "application/json");
    assert.deepEqual(await version.json(), { version: VERSION });

    // Everything else waits for the server: a route, a viewer, and /api/version with a Host the app refuses.
    const health = pending(fetch(`${base}/health`).then(async (r) => ({ status: r.status, body: await r.json() })));
    const viewer = Client.listed(`ws://127.0.0.1:${port}/`);
    const badHost = pending(rawRequest(port, "GET /api/version HTTP/1.1\r\nHost: h/health?\r\nConnection: close\r\n\r\n"));
    const again = await fetch(`${base}/api/version`);
    assert.equal(again.status, 200);
    await again.body?.cancel();
    assert.equal(health.settled, false, "/health was answered before the server started");
    assert.equal(badHost.settled, false, "a request the app refuses was answered early");

    release();
    const running = await started;
    try {
      const answered = await health.answer as { status: number; body: { source: string } };
      assert.equal(answered.status, 200);
      assert.equal(answered.body.source, "discord");
      assert.equal((await badHost.answer).status, 400, "the app's Host check answered it");
      const client = await viewer; // upgraded by the server, once started
      assert.ok(client.isOpen);
      await client.close();
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  it("a start that fails answers the held requests 503 and exits as it did before", async () => {
    const { release, port, base } = await heldDiscord();
    const finished = runCommand(cliCommand(["--port", String(port)]), env(BOT_TOKEN.replace("abc", "xyz")));

    assert.equal((await firstAnswer(`${base}/api/version`)).status, 200);
    const health = pending(fetch(`${base}/health`).then(async (r) => ({ status: r.status, text: await r.text() })));
    await (await fetch(`${base}/api/version`)).body?.cancel();
    assert.equal(health.settled, false);

    release();
    const answered = await health.answer as { status: number; text: string };
    assert.equal(answered.status, 503);
    assert.match(answered.text, /did not start/);
    const { code, stderr } = await finished;
    assert.equal(code, 2);
    assert.equal(stderr.split("\n").filter((l) => l.startsWith("d-back:")).length, 1);
    assert.match(stderr, /^d-back: .*the token is wrong/m);
  });

  /**
   * SIGTERM while the command starts: once it waits for Discord (its server's handlers are in place), or as
   * soon as the port answers (the server may still be loading). Either way the held request gets 503, exit 0.
   */
  async function stopWhileStarting(once: "discord asked" | "port answers"): Promise<void> {
    const { fake, port, base } = await heldDiscord();
    const [cmd, args] = cliCommand(["--port", String(port)]);
    const child = spawn(cmd, args, { env: { ...process.env, ...env() }, stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

    assert.equal((await firstAnswer(`${base}/api/version`)).status, 200);
    const health = pending(rawRequest(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
    await (await fetch(`${base}/api/version`)).body?.cancel(); // /health has come before this, and is held
    assert.equal(health.settled, false);
    if (once === "discord asked") await until(() => fake.rest.holding > 0, "d-back to ask Discord");
    process.kill(child.pid!, "SIGTERM");
    const answered = await health.answer as { status: number; body: string };
    assert.equal(answered.status, 503);
    assert.match(answered.body, /did not start/);
    assert.equal(await exited, 0);
  }

  it("a stop while starting answers the held requests 503 and exits 0", () => stopWhileStarting("discord asked"));

  it("a stop while the server still loads does the same", () => stopWhileStarting("port answers"));

  it("holds no more requests than --max-connections; the next is told to retry", async () => {
    const { release, port, base } = await heldDiscord();
    const started = startCommand(cliCommand(["--port", String(port), "--max-connections", "1"]), env());

    assert.equal((await firstAnswer(`${base}/api/version`)).status, 200);
    // Two at once: whichever comes second finds the one place taken and is answered now; the other waits.
    const ask = () => fetch(`${base}/health`).then(async (r) => ({ status: r.status, retry: r.headers.get("retry-after"), text: await r.text() }));
    const both = [ask(), ask()];
    const refused = await Promise.race(both);
    assert.equal(refused.status, 503);
    assert.equal(refused.retry, "1");
    assert.match(refused.text, /d-back is starting/);
    const first = pending(Promise.race(both.map((p) => p.then((a) => a === refused ? new Promise<never>(() => {}) : a))));
    await (await fetch(`${base}/api/version`)).body?.cancel();
    assert.equal(first.settled, false);

    release();
    const running = await started;
    try {
      assert.equal((await first.answer).status, 200);
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  /**
   * Starts the command on a held Discord with `args`, runs `starting` while it starts, lets it start,
   * then runs `started`; the command is stopped (exit 0) whatever fails.
   */
  async function acrossTheStart(args: string[], starting: (port: number, base: string) => Promise<void>, started: () => Promise<void>) {
    const { release, port, base } = await heldDiscord();
    const command = startCommand(cliCommand(["--port", String(port), ...args]), env());
    let failed: unknown;
    try {
      assert.equal((await firstAnswer(`${base}/api/version`)).status, 200);
      await starting(port, base);
    } catch (error) {
      failed = error;
    }
    release();
    const running = await command;
    try {
      if (failed) throw failed;
      await started();
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  }

  it("holds no more requests from one address than --max-connections-per-ip: one client cannot fill every place", async () => {
    const held: ReturnType<typeof pending>[] = [];
    await acrossTheStart(["--max-connections", "3", "--max-connections-per-ip", "2"], async (port, base) => {
      const ask = (from: string) => rawRequest(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", from);
      const roundTrip = async () => await (await fetch(`${base}/api/version`)).body?.cancel();

      // One address takes its two places, and its third request is told to wait its turn; the third place stays free.
      held.push(pending(ask("127.0.0.1")), pending(ask("127.0.0.1")));
      await roundTrip();
      const third = await ask("127.0.0.1");
      assert.equal(third.status, 429, third.body);
      assert.match(third.headers, /^retry-after: 1$/im);
      assert.match(third.body, /at most 2 requests from one address wait while d-back starts/);
      held.push(pending(ask("127.0.0.2")));
      await roundTrip();
      await roundTrip();
      assert.equal(held[2]!.settled, false, "another address was refused while the server starts");
      assert.ok(held.every((h) => !h.settled));
    }, async () => {
      for (const h of held) assert.equal((await h.answer).status, 200);
    });
  });

  it("keeps a held request waiting through a start longer than --header-timeout, then times its connection out as usual (Bun)", async () => {
    let client: Socket | undefined;
    let received = "";
    let closed = false;
    await acrossTheStart(["--header-timeout", "1"], async (port) => {
      // Keep-alive: once answered, the connection idles and the header timeout closes it.
      client = connect(port, "127.0.0.1", () => client!.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      client.on("data", (chunk) => received += chunk);
      client.on("close", () => closed = true);
      await sleep(5000); // a slow start: well over the header timeout (which Bun checks every 4 s)
      assert.equal(received, "", "the held request was answered before the server started");
      assert.equal(closed, false, "the held request was dropped unanswered");
    }, async () => {
      await until(() => /"source":"discord"/.test(received), "the held request's answer");
      assert.match(received, /^HTTP\/1\.1 200/);
      // Deno has no such timeout (README, Limits): only Bun closes it.
      if (!("Deno" in globalThis)) await until(() => closed, "the idle connection to be closed by the header timeout");
      client!.destroy();
    });
  });

  it("gives back the place of a held request whose client went away, and never serves it (JSON logs stay JSON)", async () => {
    const { release, port, base } = await heldDiscord();
    const started = startCommand(cliCommand(["--port", String(port), "--max-connections", "2", "--log-format", "json"]), env());
    assert.equal((await firstAnswer(`${base}/api/version`)).status, 200);
    const health = () => fetch(`${base}/health`).then(async (r) => ({ status: r.status, text: await r.text() }));

    // Two clients take both places (a page and a viewer's upgrade: the next request is refused), then leave.
    const sockets = [
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ].map((request) => connect(port, "127.0.0.1", function (this: Socket) { this.write(request); }));
    await until(() => sockets.every((s) => s.readyState === "open"), "both clients connected");
    for (;;) {
      const full = await health();
      if (full.status === 503 && /starting/.test(full.text)) break; // both are held now
      assert.fail(`a request was answered ${full.status} while both places should be taken`);
    }
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.on("close", resolve).destroy())));

    // Their places come back: a client retrying as told is soon held rather than refused until the start.
    // (A refusal can come after a quicker answer on another connection: one still unanswered after two is held.)
    const roundTrip = async () => await (await fetch(`${base}/api/version`)).body?.cancel();
    let held: ReturnType<typeof pending> | undefined;
    while (!held) {
      const attempt = pending(health());
      await roundTrip();
      await roundTrip();
      if (!attempt.settled) held = attempt;
      else await sleep(50);
    }
    release();
    const running = await started;
    try {
      assert.equal((await held.answer).status, 200);
      assert.equal((await health()).status, 200, "the server is well after serving (or not) the ones that left");
    } finally {
      const stopped = await running.stop();
      assert.equal(stopped.code, 0);
      // Looking at held requests' signals must not make the runtime write a warning of its own among the lines.
      for (const line of stopped.stderr.trim().split("\n")) assert.doesNotThrow(() => JSON.parse(line), line);
    }
  });

  it("answers /api/version over HTTPS while starting, to HTTP/1.1 and HTTP/2 clients alike", async () => {
    const { release, port } = await heldDiscord();
    const cert = makeCertificate();
    const url = `https://localhost:${port}/api/version`;
    const started = startCommand(cliCommand(["--port", String(port), "--tls-cert", cert.certFile, "--tls-key", cert.keyFile]), env());

    for (;;) {
      const first = await httpsGet(url, cert.cert).catch(() => undefined);
      if (!first) {
        await sleep(10); // not bound yet
        continue;
      }
      assert.equal(first.status, 200);
      assert.equal(first.headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(first.body), { version: VERSION });
      break;
    }
    // curl offers HTTP/2, which Deno speaks over TLS: the host is the `:authority`, there is no Host header.
    await until(() => fake!.rest.holding > 0, "d-back to ask Discord"); // and wait for its answer: still starting
    const early = await curlGet(url, cert.certFile);
    assert.equal(early.status, 200, early.error);

    release();
    const running = await started;
    try {
      assert.deepEqual(await curlGet(url, cert.certFile), early, "the started server answers the same way");
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });
});
