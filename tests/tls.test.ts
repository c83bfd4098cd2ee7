// HTTPS and WSS on the public port, with a certificate each test run makes for itself.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { startServer } from "./helpers/server.ts";
import { type Certificate, makeCertificate } from "./helpers/certificate.ts";
import { curlGet, httpsGet } from "./helpers/https.ts";
import { RawSocket } from "./helpers/raw-socket.ts";
import { runCli, startCli } from "./helpers/cli.ts";
import { makeDzoneFolder } from "./helpers/dzone-folder.ts";
import { launchBrowser } from "./helpers/browser.ts";
import { MockSource, type Server } from "../src/mod.ts";

const socketURLOf = (location: string | undefined) => location && new URL(location, "https://x").searchParams.get("socketURL");

describe("TLS on the public port", () => {
  let cert: Certificate;
  let folder: ReturnType<typeof makeDzoneFolder>;
  let server: Server;
  before(async () => {
    cert = makeCertificate();
    folder = makeDzoneFolder();
    server = await startServer({
      tls: { cert: cert.cert, key: cert.key },
      staticDir: folder.site,
      source: new MockSource({ presenceMs: 50, messageMs: 60 }),
    });
  });
  after(async () => {
    await server.stop();
    cert.remove();
    rmSync(folder.root, { recursive: true, force: true });
  });

  it("serves HTTPS, and says so in its URL", async () => {
    assert.equal(server.url, `https://127.0.0.1:${server.port}`);
    const res = await httpsGet(server.url + "/health", cert.cert);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).status, "ok");
  });

  it("serves a viewer over wss, on / and on d-zone's own /ws", async () => {
    for (const path of ["/", "/ws"]) {
      const viewer = await RawSocket.open(server.port, { path, ca: cert.cert });
      try {
        await viewer.next("server-list");
        viewer.send(JSON.stringify({ type: "connect", data: { server: null } }));
        const join = await viewer.next("server-join");
        assert.equal(join.data.serverName, "D-World");
        await viewer.next("presence");
      } finally {
        viewer.destroy();
      }
    }
  });

  it("sends a d-zone page on with a wss:// socketURL, by Host (HTTP/1.1)", async () => {
    for (const [host, expected] of [["d.example", "wss://d.example/"], [`localhost:${server.port}`, `wss://localhost:${server.port}/`]]) {
      const res = await httpsGet(server.url + "/", cert.cert, { Host: host! });
      assert.equal(res.status, 302);
      assert.equal(socketURLOf(res.headers.location as string), expected);
    }
  });

  it("sends it on by :authority when the client speaks HTTP/2 (Deno offers it; Bun stays on HTTP/1.1)", async () => {
    const res = await curlGet(`https://localhost:${server.port}/`, cert.certFile);
    assert.equal(res.version, server.runtime.name === "deno" ? "2" : "1.1");
    assert.equal(res.status, 302);
    assert.equal(socketURLOf(res.location), `wss://localhost:${server.port}/`);
    const named = await curlGet(`https://localhost:${server.port}/`, cert.certFile, { Host: "d.example" });
    assert.equal(named.status, 302);
    assert.equal(socketURLOf(named.location), "wss://d.example/");
    // A malformed :authority never reaches d-back: Deno's HTTP/2 layer resets the stream; over HTTP/1.1 d-back answers 400.
    const bad = await curlGet(`https://localhost:${server.port}/`, cert.certFile, { Host: "a b" });
    if (server.runtime.name === "deno") assert.match(bad.error ?? "", /PROTOCOL_ERROR/);
    else assert.equal(bad.status, 400);
  });

  it("checks the :authority of HTTP/2 requests on every route as it checks Host", async () => {
    const good = await curlGet(`https://localhost:${server.port}/health`, cert.certFile, { Host: "d.example" });
    assert.equal(good.status, 200);
    // User info passes the HTTP/2 layer into the URL; d-back refuses it as it would in a Host header.
    for (const path of ["/health", "/"]) {
      const bad = await curlGet(`https://localhost:${server.port}${path}`, cert.certFile, { Host: "user@d.example" });
      assert.equal(bad.version, server.runtime.name === "deno" ? "2" : "1.1");
      assert.equal(bad.status, 400, path);
    }
  });

  it("refuses a client that does not trust the certificate", async () => {
    const other = makeCertificate("stranger");
    try {
      await assert.rejects(httpsGet(server.url + "/health", other.cert));
    } finally {
      other.remove();
    }
  });
});

describe("the built-in page over HTTPS in Chromium", () => {
  let cert: Certificate;
  let server: Server;
  let browser: Browser;
  before(async () => {
    cert = makeCertificate();
    server = await startServer({ tls: { cert: cert.cert, key: cert.key }, source: new MockSource({ presenceMs: 100, messageMs: 120 }) });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server.stop();
    cert.remove();
  });

  it("loads over https and views the default guild over wss", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`https://localhost:${server.port}/`);
    await page.locator("#state", { hasText: /^viewing D-World$/ }).waitFor();
    await page.locator("#log", { hasText: / is now (online|idle|dnd|offline)/ }).waitFor();
    assert.equal(server.viewers, 1);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("TLS from the command line", () => {
  let a: Certificate;
  let b: Certificate;
  before(() => {
    a = makeCertificate("first");
    b = makeCertificate("second");
  });
  after(() => {
    a.remove();
    b.remove();
  });

  const refusals: [string, () => string[], RegExp][] = [
    ["a missing file", () => ["--tls-cert", join(a.dir, "nope.crt"), "--tls-key", a.keyFile], /^d-back: --tls-cert must be a file d-back can read \(ENOENT\)/],
    ["a certificate that is none", () => ["--tls-cert", a.keyFile, "--tls-key", a.keyFile], /not a PEM certificate/],
    ["a key that is none", () => ["--tls-cert", a.certFile, "--tls-key", a.certFile], /not an unencrypted PEM private key/],
    ["a key of another certificate", () => ["--tls-cert", a.certFile, "--tls-key", b.keyFile], /does not belong to the TLS certificate/],
    ["a certificate without its key", () => ["--tls-cert", a.certFile], /go together/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with one line and exit code 2`, async () => {
      const { code, stderr } = await runCli(["--port", "0", ...args()]);
      assert.equal(code, 2, stderr);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.match(stderr, message);
    });
  }

  it("takes the files from a config file, relative to its folder, and the admin port with them", async () => {
    const config = join(a.dir, "d-back.json");
    writeFileSync(config, JSON.stringify({ "tls-cert": "first.crt", "tls-key": "first.key", "admin-port": 0 }));
    const running = await startCli(["--config", config]);
    try {
      assert.match(running.url, /^https:/);
      assert.equal((await httpsGet(running.url + "/ready", a.cert)).status, 200);
      assert.match(running.log(), / admin=http:\/\/127\.0\.0\.1:\d+ /);
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  it("takes the files from the environment too, and a renewed certificate on restart", async () => {
    const [certFile, keyFile] = [join(a.dir, "live.crt"), join(a.dir, "live.key")];
    writeFileSync(certFile, a.cert);
    writeFileSync(keyFile, a.key);
    const env = { DBACK_TLS_CERT: certFile, DBACK_TLS_KEY: keyFile };
    const first = await startCli([], env);
    assert.match(first.url, /^https:/);
    assert.equal((await httpsGet(first.url + "/health", a.cert)).status, 200);
    // Renewal: new files in place, then a restart (SIGTERM, start again).
    writeFileSync(certFile, b.cert);
    writeFileSync(keyFile, b.key);
    assert.equal((await httpsGet(first.url + "/health", a.cert)).status, 200, "the running server keeps the old one");
    assert.equal((await first.stop()).code, 0);
    const second = await startCli([], env);
    try {
      assert.equal((await httpsGet(second.url + "/health", b.cert)).status, 200);
      await assert.rejects(httpsGet(second.url + "/health", a.cert));
      assert.match(second.log(), / tls="until \d{4}-/);
    } finally {
      await second.stop();
    }
  });
});
