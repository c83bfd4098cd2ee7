// --static-dir as the server keeps it: compressed text files, a strong tag per encoding,
// and a folder that is asked again at most once a second per file, yet never left.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { rawGet } from "./helpers/http.ts";
import { dzoneFiles, servedDzoneFolder } from "./helpers/dzone-folder.ts";
import { FRESH_MS } from "../src/http/directory-root.ts";

const header = (head: string, name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(head)?.[1]?.trim();
const decode = (encoding: string | undefined, body: string): string => {
  const bytes = Buffer.from(body, "latin1");
  return (encoding === "br" ? brotliDecompressSync(bytes) : encoding === "gzip" ? gunzipSync(bytes) : bytes).toString("utf8");
};
/** Long enough for every file the server has seen to be asked of the folder again. */
const pastFreshness = () => new Promise((resolve) => setTimeout(resolve, FRESH_MS + 100));

describe("--static-dir compression and tags", () => {
  const served = servedDzoneFolder();
  const bundle = dzoneFiles["static/bundle.js"] as string;

  for (
    const [accept, encoding] of [
      ["br, gzip", "br"],
      ["gzip, deflate", "gzip"],
      ["br;q=0, gzip;q=0.5", "gzip"],
      ["identity", undefined],
      [undefined, undefined],
    ] as [string | undefined, string | undefined][]
  ) {
    it(`Accept-Encoding ${JSON.stringify(accept)} gets ${encoding ?? "plain bytes"} of a text file, with Vary`, async () => {
      const res = await rawGet(served.server.port, "/static/bundle.js", { Host: "127.0.0.1", ...(accept === undefined ? {} : { "Accept-Encoding": accept }) });
      assert.equal(res.status, 200);
      assert.equal(header(res.headers, "content-encoding"), encoding);
      assert.equal(header(res.headers, "vary"), "Accept-Encoding");
      assert.equal(header(res.headers, "content-type"), "text/javascript; charset=utf-8");
      if (encoding) assert.ok(Buffer.byteLength(res.body, "latin1") < Buffer.byteLength(bundle) / 2);
      assert.equal(decode(encoding, res.body), bundle);
    });
  }

  it("sends images and tiny text files as they are", async () => {
    for (const path of ["/img/actors.png", "/css/main.css"]) {
      const res = await rawGet(served.server.port, path, { Host: "127.0.0.1", "Accept-Encoding": "br, gzip" });
      assert.equal(res.status, 200, path);
      assert.equal(header(res.headers, "content-encoding"), undefined, path);
      assert.equal(header(res.headers, "vary"), undefined, path);
    }
  });

  it("tags each encoding on its own (strong tags), and revalidates each against its own tag", async () => {
    const tags = new Map<string, string>();
    for (const accept of ["br", "gzip", "identity"]) {
      const res = await rawGet(served.server.port, "/static/bundle.js", { Host: "127.0.0.1", "Accept-Encoding": accept });
      tags.set(accept, header(res.headers, "etag")!);
      assert.match(tags.get(accept)!, /^"[\w-]+"$/);
    }
    assert.equal(new Set(tags.values()).size, 3);
    for (const [accept, tag] of tags) {
      const same = await rawGet(served.server.port, "/static/bundle.js", { Host: "127.0.0.1", "Accept-Encoding": accept, "If-None-Match": tag });
      assert.equal(same.status, 304, accept);
      assert.equal(same.body, "");
      assert.equal(header(same.headers, "etag"), tag);
      assert.equal(header(same.headers, "vary"), "Accept-Encoding");
    }
    const other = await rawGet(served.server.port, "/static/bundle.js", { Host: "127.0.0.1", "Accept-Encoding": "gzip", "If-None-Match": tags.get("br")! });
    assert.equal(other.status, 200);
    assert.equal(decode("gzip", other.body), bundle);
  });

  it("serves HEAD with the headers of the encoding it would send, and no body", async () => {
    const res = await fetch(served.server.url + "/static/bundle.js", { method: "HEAD", headers: { "Accept-Encoding": "br" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-encoding"), "br");
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });
});

describe("--static-dir sees changes to the folder within a second", () => {
  const served = servedDzoneFolder();

  it("serves a changed file, in every encoding and under new tags, once a second has passed", async () => {
    const path = "/static/bundle.js";
    const before = new Map<string, string>();
    for (const accept of ["br", "gzip", "identity"]) {
      const res = await rawGet(served.server.port, path, { Host: "127.0.0.1", "Accept-Encoding": accept });
      before.set(accept, header(res.headers, "etag")!);
    }
    const changed = "console.log('the second version');\n".repeat(40);
    writeFileSync(join(served.folder.site, "static", "bundle.js"), changed);
    await pastFreshness();
    for (const [accept, oldTag] of before) {
      const res = await rawGet(served.server.port, path, { Host: "127.0.0.1", "Accept-Encoding": accept, "If-None-Match": oldTag });
      assert.equal(res.status, 200, `${accept}: the old tag must not match the new version`);
      assert.notEqual(header(res.headers, "etag"), oldTag);
      assert.equal(decode(header(res.headers, "content-encoding"), res.body), changed, accept);
    }
  });

  it("serves a new file at once, and answers 404 for a removed one once a second has passed", async () => {
    writeFileSync(join(served.folder.site, "new.txt"), "fresh");
    const added = await rawGet(served.server.port, "/new.txt");
    assert.equal(added.status, 200);
    assert.equal(added.body, "fresh");
    unlinkSync(join(served.folder.site, "new.txt"));
    await pastFreshness();
    assert.equal((await rawGet(served.server.port, "/new.txt")).status, 404);
  });

  it("stays inside the folder when a served file becomes a symlink that leads out", async () => {
    const css = join(served.folder.site, "css", "main.css");
    assert.equal((await rawGet(served.server.port, "/css/main.css")).status, 200);
    unlinkSync(css);
    symlinkSync(served.folder.secret, css);
    await pastFreshness();
    const res = await rawGet(served.server.port, "/css/main.css");
    assert.equal(res.status, 404);
    assert.doesNotMatch(res.body, /TOPSECRET/);
  });
});
