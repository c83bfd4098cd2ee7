// Serving an embedded site as the executable does: encodings, tags, and the redirect that points d-zone at us.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { packFiles } from "../build/pack.ts";
import { readDzone } from "../build/site.ts";
import { DZONE_PIN } from "../build/dzone-pin.ts";
import { MemoryRoot } from "../src/http/memory-root.ts";
import { chooseEncoding } from "../src/http/accept-encoding.ts";
import { isTrustedProxy } from "../src/http/trusted-proxy.ts";
import type { Server } from "../src/mod.ts";
import { startServer } from "./helpers/server.ts";
import { rawGet } from "./helpers/http.ts";
import { dzoneFiles, makeDzoneFolder } from "./helpers/dzone-folder.ts";

const bundle = dzoneFiles["static/bundle.js"] as string;

/** The embedded root of the stand-in d-zone folder, through JSON as the executable holds it. */
function embeddedStandIn(): MemoryRoot {
  const folder = makeDzoneFolder();
  try {
    const site = readDzone(folder.site, DZONE_PIN);
    return MemoryRoot.fromPack(JSON.parse(JSON.stringify(packFiles(site.description, site.files))));
  } finally {
    rmSync(folder.root, { recursive: true, force: true });
  }
}

/** A header's value from a raw response head. */
const header = (head: string, name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(head)?.[1]?.trim();

/** Where a raw GET is redirected to, and the socketURL it adds. */
async function redirectOf(port: number, path: string, headers: Record<string, string>) {
  const res = await rawGet(port, path, headers);
  const location = header(res.headers, "location");
  return { status: res.status, location, socketURL: location && new URL(location, "http://x").searchParams.get("socketURL") };
}

describe("Accept-Encoding negotiation", () => {
  const offered = ["br", "gzip", "identity"];
  for (
    const [accept, expected] of [
      [undefined, "identity"],
      ["", "identity"],
      ["gzip, deflate, br", "br"],
      ["gzip", "gzip"],
      ["GZIP", "gzip"],
      ["x-gzip", "gzip"],
      ["gzip;q=1.0, br;q=0.5", "gzip"],
      ["br;q=0, gzip;q=0.1", "gzip"],
      ["*", "br"],
      ["br;q=0, *;q=0.5", "gzip"],
      ["identity", "identity"],
      ["deflate", "identity"],
      ["br;q=bogus, gzip", "gzip"],
      ["identity;q=0", undefined],
      ["*;q=0", undefined],
      ["gzip;q=0, identity;q=0", undefined],
    ] as [string | undefined, string | undefined][]
  ) {
    it(`${JSON.stringify(accept)} → ${expected}`, () => assert.equal(chooseEncoding(accept, offered), expected));
  }
});

describe("trusted proxies", () => {
  it("match by address, IPv4-mapped IPv6 read as IPv4", () => {
    assert.ok(isTrustedProxy("127.0.0.1", ["127.0.0.1"]));
    assert.ok(isTrustedProxy("::ffff:127.0.0.1", ["127.0.0.1"]));
    assert.ok(isTrustedProxy("::1", ["10.0.0.1", "::1"]));
    assert.ok(!isTrustedProxy("127.0.0.2", ["127.0.0.1"]));
    assert.ok(!isTrustedProxy("127.0.0.1", []));
  });
});

describe("embedded d-zone build", () => {
  let server: Server;
  before(async () => server = await startServer({ staticRoot: embeddedStandIn() }));
  after(() => server.stop());

  it("sends / and /index.html on with socketURL=ws://<Host>/, keeping the query", async () => {
    for (
      const [path, to] of [
        ["/", "/?socketURL="],
        ["/index.html", "/index.html?socketURL="],
        ["/?s=docs", "/?s=docs&socketURL="],
      ]
    ) {
      const res = await fetch(server.url + path, { redirect: "manual" });
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const location = res.headers.get("location")!;
      assert.ok(location.startsWith(to), location);
      assert.equal(new URL(location, server.url).searchParams.get("socketURL"), `ws://127.0.0.1:${server.port}/`);
      await res.arrayBuffer();
    }
  });

  it("serves the page once socketURL is there, and a browser that follows lands on it", async () => {
    const direct = await fetch(`${server.url}/?socketURL=ws://elsewhere:1/`, { redirect: "manual" });
    assert.equal(direct.status, 200);
    assert.equal(await direct.text(), dzoneFiles["index.html"]);
    const followed = await fetch(server.url + "/");
    assert.equal(followed.status, 200);
    assert.ok(new URL(followed.url).searchParams.has("socketURL"));
    assert.equal(await followed.text(), dzoneFiles["index.html"]);
  });

  it("serves discord-callback.html as it is", async () => {
    const res = await fetch(server.url + "/discord-callback.html", { redirect: "manual" });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), dzoneFiles["discord-callback.html"]);
  });

  it("points at the Host the browser used, port and all", async () => {
    for (const host of ["dzone.example.org:8080", "dzone.example.org", "192.168.1.20:3000", "[::1]:3000", "d_back:3000"]) {
      const { status, socketURL } = await redirectOf(server.port, "/", { Host: host });
      assert.equal(status, 302, host);
      assert.equal(socketURL, `ws://${host}/`);
    }
  });

  it("ignores X-Forwarded-Proto from a peer it does not trust", async () => {
    const { socketURL } = await redirectOf(server.port, "/", { "Host": "d.example", "X-Forwarded-Proto": "https" });
    assert.equal(socketURL, "ws://d.example/");
  });

  it("answers a Host header that is no host with 400 and one line", async () => {
    for (const host of ["a b", "x:y:z", "<script>", "evil.example?x"]) {
      const res = await rawGet(server.port, "/", { Host: host });
      assert.equal(res.status, 400, host);
      assert.equal(res.body.trim().split("\n").length, 1);
      assert.match(res.body, /Host header/);
    }
  });

  for (
    const [accept, encoding] of [
      ["br, gzip", "br"],
      ["gzip", "gzip"],
      ["identity", undefined],
      [undefined, undefined],
    ] as [string | undefined, string | undefined][]
  ) {
    it(`Accept-Encoding ${JSON.stringify(accept)} gets ${encoding ?? "plain bytes"}, with Vary`, async () => {
      const res = await rawGet(server.port, "/static/bundle.js", { Host: "127.0.0.1", ...(accept === undefined ? {} : { "Accept-Encoding": accept }) });
      assert.equal(res.status, 200);
      assert.equal(header(res.headers, "content-encoding"), encoding);
      assert.equal(header(res.headers, "vary"), "Accept-Encoding");
      assert.equal(header(res.headers, "content-type"), "text/javascript; charset=utf-8");
      const body = Buffer.from(res.body, "latin1");
      const plain = encoding === "br" ? brotliDecompressSync(body) : encoding === "gzip" ? gunzipSync(body) : body;
      assert.equal(plain.toString("utf8"), bundle);
    });
  }

  it("tags each encoding on its own, and revalidates each against its own tag", async () => {
    const tags = new Map<string, string>();
    for (const accept of ["br", "gzip", "identity"]) {
      const res = await fetch(server.url + "/static/bundle.js", { headers: { "Accept-Encoding": accept } });
      await res.arrayBuffer();
      tags.set(accept, res.headers.get("etag")!);
      assert.match(tags.get(accept)!, /^"[\w-]+"$/);
    }
    assert.equal(new Set(tags.values()).size, 3);
    const same = await fetch(server.url + "/static/bundle.js", { headers: { "Accept-Encoding": "br", "If-None-Match": tags.get("br")! } });
    assert.equal(same.status, 304);
    assert.equal(same.headers.get("vary"), "Accept-Encoding");
    assert.equal(same.headers.get("etag"), tags.get("br"));
    await same.arrayBuffer();
    const other = await fetch(server.url + "/static/bundle.js", { headers: { "Accept-Encoding": "gzip", "If-None-Match": tags.get("br")! } });
    assert.equal(other.status, 200);
    assert.equal(await other.text(), bundle);
  });

  it("serves images as they are, without Vary", async () => {
    const res = await fetch(server.url + "/img/actors.png", { headers: { "Accept-Encoding": "br, gzip" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-encoding"), null);
    assert.equal(res.headers.get("vary"), null);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), dzoneFiles["img/actors.png"]);
  });

  it("answers HEAD with the chosen encoding's headers and no body", async () => {
    const res = await fetch(server.url + "/static/bundle.js", { method: "HEAD", headers: { "Accept-Encoding": "gzip" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-encoding"), "gzip");
    assert.equal(await res.text(), "");
  });

  it("answers 404 for what it does not hold, and 400 for paths that leave the root", async () => {
    assert.equal((await rawGet(server.port, "/nope.js")).status, 404);
    assert.ok([400, 404].includes((await rawGet(server.port, "/../secret.txt")).status));
    assert.equal((await rawGet(server.port, "/.env")).status, 400);
  });
});

describe("X-Forwarded-Proto from a trusted proxy", () => {
  let trusting: Server;
  let other: Server;
  before(async () => {
    trusting = await startServer({ staticRoot: embeddedStandIn(), trustProxy: ["127.0.0.1"] });
    other = await startServer({ staticRoot: embeddedStandIn(), trustProxy: ["10.0.0.1"] });
  });
  after(() => Promise.all([trusting.stop(), other.stop()]));

  for (
    const [proto, scheme] of [
      ["https", "wss"],
      ["HTTPS", "wss"],
      ["https, http", "wss"],
      ["http", "ws"],
      ["http, https", "ws"],
    ]
  ) {
    it(`${proto} → ${scheme}://`, async () => {
      const { socketURL } = await redirectOf(trusting.port, "/", { "Host": "d.example", "X-Forwarded-Proto": proto });
      assert.equal(socketURL, `${scheme}://d.example/`);
    });
  }

  it("is ignored when the peer is not the proxy named", async () => {
    const { socketURL } = await redirectOf(other.port, "/", { "Host": "d.example", "X-Forwarded-Proto": "https" });
    assert.equal(socketURL, "ws://d.example/");
  });
});

describe("the redirect and other roots", () => {
  it("applies to a --static-dir folder that is a d-zone build", async () => {
    const folder = makeDzoneFolder();
    const server = await startServer({ staticDir: folder.site });
    try {
      const { status, socketURL } = await redirectOf(server.port, "/", { Host: "127.0.0.1:9" });
      assert.equal(status, 302);
      assert.equal(socketURL, "ws://127.0.0.1:9/");
    } finally {
      await server.stop();
      rmSync(folder.root, { recursive: true, force: true });
    }
  });

  it("does not apply to the built-in page, nor to a site that is not d-zone", async () => {
    const plain = MemoryRoot.fromFiles("not d-zone", { "index.html": "<!doctype html><title>mine</title>" });
    for (const options of [{}, { staticRoot: plain }]) {
      const server = await startServer(options);
      try {
        const res = await fetch(server.url + "/", { redirect: "manual" });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      } finally {
        await server.stop();
      }
    }
  });
});
