// Static files: the built-in page, a d-zone-shaped folder, and every way out of it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { startServer } from "./helpers/server.ts";
import { rawGet } from "./helpers/http.ts";
import { dzoneFiles, makeDzoneFolder } from "./helpers/dzone-folder.ts";
import { type Server, VERSION } from "../src/mod.ts";

describe("built-in page", () => {
  let server: Server;
  before(async () => server = await startServer());
  after(() => server.stop());

  it("serves our own page at / and /index.html, naming the version", async () => {
    for (const path of ["/", "/index.html"]) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
      const body = await res.text();
      assert.match(body, /d-back/);
      assert.ok(body.includes(VERSION));
      assert.match(body, /socketURL/);
    }
  });

  it("revalidates with a strong ETag", async () => {
    const first = await fetch(server.url + "/");
    await first.arrayBuffer();
    const etag = first.headers.get("etag");
    assert.match(etag ?? "", /^"[\w-]+"$/);
    const again = await fetch(server.url + "/", { headers: { "If-None-Match": etag! } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), "");
    const other = await fetch(server.url + "/", { headers: { "If-None-Match": '"something-else"' } });
    assert.equal(other.status, 200);
    await other.arrayBuffer();
  });

  it("answers 404 for a missing file and 405 for other methods", async () => {
    const missing = await fetch(server.url + "/nope.js");
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
    const post = await fetch(server.url + "/", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.arrayBuffer();
  });
});

describe("--static-dir", () => {
  let server: Server;
  let folder: ReturnType<typeof makeDzoneFolder>;
  before(async () => {
    folder = makeDzoneFolder();
    server = await startServer({ staticDir: folder.site });
  });
  after(async () => {
    await server.stop();
    rmSync(folder.root, { recursive: true, force: true });
  });

  for (const [path, type] of [
    ["/", "text/html; charset=utf-8"],
    ["/index.html", "text/html; charset=utf-8"],
    ["/discord-callback.html", "text/html; charset=utf-8"],
    ["/css/main.css", "text/css; charset=utf-8"],
    ["/static/bundle.js", "text/javascript; charset=utf-8"],
    ["/static/bundle.js.map", "application/json"],
    ["/img/actors.png", "image/png"],
    ["/favicon.ico", "image/x-icon"],
  ]) {
    it(`serves ${path} as ${type}`, async () => {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), type);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    });
  }

  it("revalidates files with their ETag", async () => {
    const first = await fetch(server.url + "/static/bundle.js");
    assert.equal(await first.text(), dzoneFiles["static/bundle.js"]);
    const etag = first.headers.get("etag")!;
    assert.ok(etag);
    const again = await fetch(server.url + "/static/bundle.js", { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
    await again.arrayBuffer();
  });

  it("answers HEAD without a body", async () => {
    const res = await fetch(server.url + "/css/main.css", { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(await res.text(), "");
  });

  it("answers 404 for a missing file and for a folder", async () => {
    for (const path of ["/nope.html", "/img", "/img/nope.png"]) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 404, path);
      await res.arrayBuffer();
    }
  });

  // One answer per path, the same on both runtimes: `.`/`..` segments (however encoded) and
  // backslashes are resolved as a browser resolves them (Bun does it before d-back sees the
  // request, d-back does the same on Deno), so they land inside the root; what still tries to
  // hide something after that (an encoded slash or backslash, NUL, a colon, a dot file) is 400.
  const hostile: [string, number][] = [
    ["/../secret.txt", 404],
    ["/..%2fsecret.txt", 400],
    ["/%2e%2e/secret.txt", 404],
    ["/.%2e/secret.txt", 404],
    ["/%2e%2e%2fsecret.txt", 400],
    ["/%2E%2E%2Fsecret.txt", 400],
    ["/static/..%2f..%2fsecret.txt", 400],
    ["/..%5csecret.txt", 400],
    ["/..\\secret.txt", 404],
    ["/static%5c..%5c..%5csecret.txt", 400],
    ["/index.html%00.png", 400],
    ["/%00", 400],
    ["/%ZZ", 400],
    ["/C:%5cWindows", 400],
    ["//etc/passwd", 404],
    ["/%2fetc%2fpasswd", 400],
    ["/img/leak.png", 404],
    ["/up/secret.txt", 404],
    ["/.env", 400],
    ["/static/%2e%2e/%2e%2e/secret.txt", 404],
  ];
  for (const [path, status] of hostile) {
    it(`never serves anything outside the root: ${path} gets ${status}`, async () => {
      const res = await rawGet(server.port, path);
      assert.equal(res.status, status, path);
      assert.doesNotMatch(res.body, /TOPSECRET|root:/);
    });
  }

  for (const path of ["/static/../css/main.css", "/static\\..\\css\\main.css", "/img/%2e%2e/css/main.css", "/img/.%2e/css/main.css"]) {
    it(`resolves ${path} to /css/main.css inside the root, as a browser would`, async () => {
      const res = await rawGet(server.port, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.body, dzoneFiles["css/main.css"]);
    });
  }

  it("keeps serving after hostile requests", async () => {
    const res = await fetch(server.url + "/index.html");
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });
});
