// build.ts without compiling: reading d-zone builds (folders, archives, the pinned download), packing, its command line.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { decodeBase64 } from "@oslojs/encoding";
import { crc32, readArchive } from "../build/archive.ts";
import { DZONE_PIN, fetchPinned, type Pin, sha256Hex } from "../build/dzone-pin.ts";
import { BuildError } from "../build/errors.ts";
import { packFiles } from "../build/pack.ts";
import { readDzone } from "../build/site.ts";
import { gatherSite } from "../build/build.ts";
import { compileArgs, explain } from "../build/compile.ts";
import { contentTag, MemoryRoot } from "../src/http/memory-root.ts";
import { dzoneFiles, makeDzoneFolder } from "./helpers/dzone-folder.ts";
import { concat, type RawEntry, tar, tarGz, zip } from "./helpers/archives.ts";
import { runCommand, scriptCommand } from "./helpers/cli.ts";

const encoder = new TextEncoder();
const bytes = (content: string | Uint8Array) => typeof content === "string" ? encoder.encode(content) : content;
const standIn = (prefix = ""): RawEntry[] => Object.entries(dzoneFiles).map(([name, data]) => ({ name: prefix + name, data }));
const oneLine = (message: string) => !message.includes("\n");
const buildScript = fileURLToPath(new URL("../build.ts", import.meta.url));

/** The error `fn` throws, checked to be a one-line `BuildError`. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BuildError, `a BuildError, got ${error}`);
    assert.ok(oneLine(error.message), error.message);
    return error.message;
  }
  assert.fail("expected a BuildError");
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BuildError, `a BuildError, got ${error}`);
    assert.ok(oneLine(error.message), error.message);
    return error.message;
  }
  assert.fail("expected a BuildError");
}

let tmp: string;
before(() => tmp = mkdtempSync(join(tmpdir(), "dback-build-")));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes an archive into the temp folder and reads it as `--dzone` would. */
const readAs = (name: string, content: Uint8Array) => {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return readDzone(path, DZONE_PIN);
};

describe("reading a d-zone build", () => {
  it("CRC-32 matches the standard check value", () => {
    assert.equal(crc32(encoder.encode("123456789")), 0xcbf43926);
  });

  it("reads a folder: every file, no links, no dot files", () => {
    const folder = makeDzoneFolder();
    try {
      const site = readDzone(folder.site, DZONE_PIN);
      assert.deepEqual([...site.files.keys()].sort(), Object.keys(dzoneFiles).sort());
      for (const [path, content] of Object.entries(dzoneFiles)) assert.deepEqual(site.files.get(path), bytes(content), path);
      assert.deepEqual(site.skipped.sort(), ["img/leak.png (a link)", "up (a link)"]);
      assert.equal(site.description, "embedded d-zone build (site)");
      for (const content of site.files.values()) assert.ok(!new TextDecoder().decode(content).includes("TOPSECRET"));
    } finally {
      rmSync(folder.root, { recursive: true, force: true });
    }
  });

  for (const [name, make] of [
    ["site.tar.gz", tarGz],
    ["site.tgz", tarGz],
    ["site.tar", tar],
    ["site.zip", zip],
  ] as const) {
    it(`reads a ${name}, also when it holds one top folder`, () => {
      for (const prefix of ["", "./", "d-zone/"]) {
        const folder: RawEntry[] = prefix === "d-zone/" ? [{ name: prefix, kind: "folder" }] : [];
        const site = readAs(name, make([...folder, ...standIn(prefix)]));
        assert.deepEqual([...site.files.keys()].sort(), Object.keys(dzoneFiles).sort(), prefix);
        assert.deepEqual(site.files.get("static/bundle.js"), bytes(dzoneFiles["static/bundle.js"]!));
        assert.deepEqual(site.files.get("img/actors.png"), dzoneFiles["img/actors.png"]);
      }
    });

    it(`leaves links and dot files out of a ${name}`, () => {
      const site = readAs(name, make([
        ...standIn(),
        { name: "img/leak.png", kind: "link", target: "/etc/passwd" },
        { name: "static/.keep", data: "" },
        { name: ".git/config", data: "TOPSECRET" },
      ]));
      assert.ok(!site.files.has("img/leak.png"));
      assert.ok(!site.files.has("static/.keep"));
      assert.ok(!site.files.has(".git/config"));
      assert.deepEqual(site.skipped, ["img/leak.png (a link)"]);
    });

    for (const hostile of ["../evil.js", "static/../../evil.js", "/etc/passwd", "C:/Windows/evil.js", "static\\..\\..\\evil.js"]) {
      it(`refuses a ${name} with an entry named ${hostile}`, () => {
        const message = refusal(() => readAs(name, make([...standIn(), { name: hostile, data: "evil" }])));
        assert.match(message, /refusing the whole archive/);
        assert.ok(message.includes(name));
      });
    }
  }

  it("refuses a corrupted .tar.gz: a flipped byte, a cut-off end", () => {
    const good = tarGz(standIn());
    const flipped = good.slice();
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    assert.match(refusal(() => readAs("flipped.tar.gz", flipped)), /flipped\.tar\.gz is corrupted/);
    assert.match(refusal(() => readAs("cut.tar.gz", good.subarray(0, good.length - 40))), /cut\.tar\.gz is corrupted/);
    assert.match(refusal(() => readAs("text.tar.gz", encoder.encode("not an archive at all"))), /not a valid gzip stream/);
  });

  it("refuses a corrupted .tar: a bad header checksum, an entry cut short", () => {
    const good = tar(standIn());
    const bad = good.slice();
    bad[0] ^= 0x01; // the first entry's name, covered by the checksum
    assert.match(refusal(() => readAs("bad.tar", bad)), /bad header checksum/);
    assert.match(refusal(() => readAs("short.tar", good.subarray(0, 512 + 100))), /ends inside an entry/);
  });

  it("refuses a corrupted .zip: damaged data, a missing directory, junk", () => {
    const good = zip(standIn());
    const damaged = good.slice();
    damaged[40] ^= 0xff; // inside the first entry's deflated data
    assert.match(refusal(() => readAs("damaged.zip", damaged)), /damaged\.zip is corrupted/);
    assert.match(refusal(() => readAs("cut.zip", good.subarray(0, good.length - 30))), /no end-of-central-directory record/);
    assert.match(refusal(() => readAs("junk.zip", concat([encoder.encode("PK"), new Uint8Array(64)]))), /corrupted/);
  });

  it("refuses what is not a d-zone build, naming what is missing", () => {
    const noBundle = standIn().filter((e) => e.name !== "static/bundle.js");
    assert.match(refusal(() => readAs("nobundle.zip", zip(noBundle))), /not a d-zone build \(no static\/bundle\.js/);
    assert.match(refusal(() => readDzone(join(tmp, "missing-folder"), DZONE_PIN)), /no such file or folder/);
    writeFileSync(join(tmp, "site.rar"), "x");
    assert.match(refusal(() => readDzone(join(tmp, "site.rar"), DZONE_PIN)), /must be a folder, or a \.tar\.gz/);
  });

  it("knows the pinned release when it sees it", () => {
    const pin: Pin = { version: "9.9.9", baseUrl: "http://unused/", files: {} };
    for (const [path, content] of Object.entries(dzoneFiles)) pin.files[path] = sha256Hex(bytes(content));
    assert.equal(readAs("pinned.zip", zip(standIn())).description, "embedded d-zone build (pinned.zip)");
    const path = join(tmp, "pinned.zip");
    assert.equal(readDzone(path, pin).description, "embedded d-zone 9.9.9");
  });

  it("reads an archive as what its name says: a zip named .tar.gz is refused as corrupted", () => {
    assert.match(refusal(() => readArchive("really-a-zip.tar.gz", zip(standIn()))), /corrupted/);
  });
});

describe("packing", () => {
  const site = new Map(Object.entries(dzoneFiles).map(([path, content]) => [path, bytes(content)]));
  const pack = packFiles("stand-in", site);

  it("precompresses text worth compressing, in brotli and gzip, smallest first", () => {
    const bundle = pack.files["static/bundle.js"]!;
    assert.deepEqual(bundle.variants.map((v) => v.encoding).sort(), ["br", "gzip", "identity"]);
    const sizes = bundle.variants.map((v) => decodeBase64(v.base64).length);
    assert.deepEqual(sizes, [...sizes].sort((a, b) => a - b));
    const original = site.get("static/bundle.js")!;
    for (const variant of bundle.variants) {
      const data = decodeBase64(variant.base64);
      const plain = variant.encoding === "br" ? brotliDecompressSync(data) : variant.encoding === "gzip" ? gunzipSync(data) : data;
      assert.deepEqual(new Uint8Array(plain), original, variant.encoding);
    }
  });

  it("keeps images, and text too small to gain, as they are", () => {
    for (const path of ["img/actors.png", "favicon.ico", "css/main.css"]) {
      assert.deepEqual(pack.files[path]!.variants.map((v) => v.encoding), ["identity"], path);
    }
  });

  it("tags every variant strongly, by its own bytes", () => {
    const tags = new Set<string>();
    for (const file of Object.values(pack.files)) {
      for (const variant of file.variants) {
        assert.equal(variant.etag, contentTag(decodeBase64(variant.base64)));
        assert.match(variant.etag, /^"[\w-]+"$/);
        tags.add(variant.etag);
      }
    }
    assert.equal(tags.size, Object.values(pack.files).reduce((n, file) => n + file.variants.length, 0));
  });

  it("survives JSON, as the executable carries it", async () => {
    const root = MemoryRoot.fromPack(JSON.parse(JSON.stringify(pack)));
    assert.equal(root.description, "stand-in");
    assert.deepEqual(root.paths.sort(), Object.keys(dzoneFiles).sort());
    const asset = await root.get("static/bundle.js", "gzip");
    assert.equal(asset?.encoding, "gzip");
    assert.deepEqual(new Uint8Array(gunzipSync(asset!.body as Uint8Array)), site.get("static/bundle.js"));
  });

  it("refuses a pack that is not one", () => {
    const good = JSON.parse(JSON.stringify(pack));
    const variants = good.files["index.html"].variants;
    for (
      const bad of [
        { ...good, files: { "../x.html": good.files["index.html"] } },
        { ...good, files: { ".env": good.files["index.html"] } },
        { ...good, files: { "index.html": { ...good.files["index.html"], variants: variants.filter((v: { encoding: string }) => v.encoding !== "identity") } } },
        { ...good, files: { "index.html": { ...good.files["index.html"], variants: [{ ...variants[0], etag: "W/\"weak\"" }] } } },
        { files: {} },
        "nonsense",
      ]
    ) {
      assert.throws(() => MemoryRoot.fromPack(bad));
    }
  });
});

describe("the pinned download", () => {
  let http: HttpServer;
  let base: string;
  const requests: string[] = [];
  /** Paths the stand-in upstream answers with other bytes than pinned. */
  const tampered = new Set<string>();
  const pin = (): Pin => ({
    version: "0.0.1-test",
    baseUrl: `${base}/0.0.1-test/`,
    files: Object.fromEntries(Object.entries(dzoneFiles).map(([path, content]) => [path, sha256Hex(bytes(content))])),
  });

  before(async () => {
    http = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? "").replace(/^\/0\.0\.1-test\//, ""));
      requests.push(path);
      res.setHeader("Connection", "close"); // so that closing the server need not wait for idle keep-alive sockets
      const content = dzoneFiles[path];
      if (content === undefined) {
        res.writeHead(404).end("not here");
        return;
      }
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      res.end(tampered.has(path) ? "tampered" : bytes(content));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });
  after(() => {
    http.closeAllConnections?.();
    return new Promise<void>((resolve) => http.close(() => resolve()));
  });

  it("downloads every pinned file, checks it, caches it, and reads the cache next time", async () => {
    const cacheDir = join(tmp, "cache-ok");
    requests.length = 0;
    const files = await fetchPinned(pin(), { cacheDir });
    assert.deepEqual([...files.keys()].sort(), Object.keys(dzoneFiles).sort());
    assert.equal(requests.length, Object.keys(dzoneFiles).length);
    for (const [path, content] of Object.entries(dzoneFiles)) {
      assert.deepEqual(files.get(path), bytes(content));
      assert.deepEqual(new Uint8Array(readFileSync(join(cacheDir, path))), bytes(content));
    }
    requests.length = 0;
    const again = await fetchPinned(pin(), { cacheDir });
    assert.equal(requests.length, 0, "all from the cache");
    assert.deepEqual(again, files);
  });

  it("fetches again a cached file that no longer matches its hash", async () => {
    const cacheDir = join(tmp, "cache-damaged");
    await fetchPinned(pin(), { cacheDir });
    writeFileSync(join(cacheDir, "static", "bundle.js"), "damaged");
    requests.length = 0;
    const files = await fetchPinned(pin(), { cacheDir });
    assert.deepEqual(requests, ["static/bundle.js"]);
    assert.deepEqual(files.get("static/bundle.js"), bytes(dzoneFiles["static/bundle.js"]!));
  });

  it("refuses a file that does not match its pinned SHA-256, and does not cache it", async () => {
    const cacheDir = join(tmp, "cache-tampered");
    tampered.add("static/bundle.js");
    try {
      const message = await rejection(fetchPinned(pin(), { cacheDir }));
      assert.match(message, /static\/bundle\.js .* does not match its pinned SHA-256/);
      assert.match(message, /--dzone PATH/);
      assert.match(message, /--no-dzone/);
      assert.ok(!existsSync(join(cacheDir, "static", "bundle.js")));
    } finally {
      tampered.clear();
    }
  });

  it("offline: one line that names --dzone PATH and --no-dzone", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const message = await rejection(
      fetchPinned({ ...pin(), baseUrl: `http://127.0.0.1:${port}/d-zone/` }, { cacheDir: join(tmp, "cache-offline") }),
    );
    assert.match(message, /^cannot download d-zone 0\.0\.1-test from 127\.0\.0\.1:\d+ \(.+\); give a d-zone build with --dzone PATH .* --no-dzone$/);
  });

  it("an upstream that answers 404 is refused the same way", async () => {
    const message = await rejection(
      fetchPinned({ ...pin(), baseUrl: `${base}/elsewhere/` }, { cacheDir: join(tmp, "cache-404") }),
    );
    assert.match(message, /HTTP 404/);
    assert.match(message, /--dzone PATH/);
  });

  it("is what build.ts embeds when given neither --dzone nor --no-dzone", async () => {
    const site = await gatherSite({ pin: pin(), cacheDir: join(tmp, "cache-gather") });
    assert.equal(site.description, "embedded d-zone 0.0.1-test");
    assert.equal(site.files.size, Object.keys(dzoneFiles).length);
    const page = await gatherSite({ noDzone: true });
    assert.deepEqual([...page.files.keys()], ["index.html"]);
    assert.equal(page.description, "embedded built-in page");
  });
});

describe("the pin", () => {
  it("names d-zone 0.1.7 at the pinned commit, with a SHA-256 for each of its 13 files", () => {
    assert.equal(DZONE_PIN.version, "0.1.7");
    assert.equal(
      DZONE_PIN.baseUrl,
      "https://raw.githubusercontent.com/NNTin/d-zone/e6e169887ea12c1a7bbd73394a01a45574a4603b/0.1.7/",
    );
    assert.equal(Object.keys(DZONE_PIN.files).length, 13);
    for (const [path, hash] of Object.entries(DZONE_PIN.files)) assert.match(hash, /^[0-9a-f]{64}$/, path);
    assert.ok(DZONE_PIN.files["index.html"] && DZONE_PIN.files["static/bundle.js"]);
  });
});

describe("compiling", () => {
  it("asks bun for a standalone, minified bytecode executable that ignores .env and bunfig.toml where it runs", () => {
    const args = compileArgs({ compiler: "bun", entry: "e.ts", outfile: "out", root: "/r", target: "bun-linux-arm64" });
    for (const arg of ["--compile", "--minify", "--bytecode", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "--target=bun-linux-arm64"]) {
      assert.ok(args.includes(arg), arg);
    }
  });

  it("gives deno the permissions the server needs, and the project's config", () => {
    const args = compileArgs({ compiler: "deno", entry: "e.ts", outfile: "out", root: "/r" });
    for (const arg of ["compile", "--allow-net", "--allow-read", "--allow-env", "/r/deno.json"]) assert.ok(args.includes(arg), arg);
    assert.equal(args.at(-1), "e.ts");
  });

  it("says in one line that deno could not download denort, and what to do instead", () => {
    // What deno compile printed on a machine that cannot reach dl.deno.land.
    const output = [
      "\x1b[0m\x1b[32mCompile\x1b[0m entry.ts to d-back",
      "\x1b[0m\x1b[32mDownload\x1b[0m https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
      "\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: Writing deno compile executable to temporary file 'd-back.tmp-3d6e4fec982b8a5e'",
      "",
      "Caused by:",
      "    0: Setting up base binary.",
      "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known",
      "    2: client error (Connect)",
    ].join("\n");
    const message = explain({ compiler: "deno" }, output, 1);
    assert.ok(oneLine(message));
    assert.match(message, /^deno compile needs the denort runtime and could not download it from dl\.deno\.land \(error sending request .*dns error/);
    assert.match(message, /DENORT_BIN/);
    assert.match(message, /--compiler bun$/);
  });

  it("passes any other compiler failure on as its first error line", () => {
    const message = explain({ compiler: "bun" }, "bundling…\nerror: Could not resolve: \"./gone.ts\"\n    at entry.ts:3:1\n", 1);
    assert.equal(message, 'bun build --compile failed: error: Could not resolve: "./gone.ts"');
  });
});

describe("build.ts command line", () => {
  const run = (args: string[]) => runCommand(scriptCommand(buildScript, args), {}, 60_000);

  it("--help explains every option", async () => {
    const { code, stdout } = await run(["--help"]);
    assert.equal(code, 0);
    for (const flag of ["--dzone PATH", "--no-dzone", "--compiler", "--target", "--out", "--help", ".tar.gz", ".zip", "denort"]) {
      assert.ok(stdout.includes(flag), `--help mentions ${flag}`);
    }
  });

  it("a corrupted archive stops it with one line and exit code 1, before compiling anything", async () => {
    const path = join(tmp, "broken.tar.gz");
    const archive = tarGz(standIn());
    writeFileSync(path, archive.subarray(0, archive.length - 100));
    const { code, stdout, stderr } = await run(["--dzone", path, "--out", join(tmp, "never")]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.ok(oneLine(stderr.trim()), stderr);
    assert.match(stderr, /^build\.ts: .*broken\.tar\.gz is corrupted/);
    assert.ok(!existsSync(join(tmp, "never")));
  });

  for (
    const [args, names] of [
      [["--dzone", "x", "--no-dzone"], "--no-dzone"],
      [["--compiler", "gcc"], "--compiler"],
      [["--target", "bun-linux-x64", "--compiler", "deno"], "--target"],
      [["--target", "x86_64-unknown-linux-gnu"], "--target"],
      [["--frobnicate"], "--frobnicate"],
    ] as [string[], string][]
  ) {
    it(`refuses ${args.join(" ")} with one line and exit code 2`, async () => {
      const { code, stderr } = await run(args);
      assert.equal(code, 2);
      assert.ok(oneLine(stderr.trim()), stderr);
      assert.ok(stderr.includes(names), stderr);
    });
  }
});
