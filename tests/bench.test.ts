/**
 * The benchmark's own instruments, checked against real servers: the load
 * clients read frame types and stamps from bytes, the HTTP client finds
 * where responses end, the histograms give the right quantiles, and a short
 * run of the suite writes results that make sense. Nothing here times
 * anything: speed is the benchmark's business, not the tests'.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "./helpers/server.ts";
import { runCommand, scriptCommand } from "./helpers/cli.ts";
import { TOKEN } from "./helpers/ingest.ts";
import { makeDzoneFolder } from "./helpers/dzone-folder.ts";
import { frameType, readStamp, startsWith, stampText, typePrefix } from "../bench/load/frames.ts";
import { ResponseReader } from "../bench/load/http-reader.ts";
import { merge, quantile, Recorder } from "../bench/stats.ts";

const encode = (s: string) => new TextEncoder().encode(s);

/** Every text frame a viewer receives until `until` says stop. */
function viewerFrames(url: string, send: (ws: WebSocket, frame: string) => void, until: (frames: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: string[] = [];
    ws.onmessage = (e) => {
      frames.push(String(e.data));
      send(ws, String(e.data));
      if (until(frames)) {
        ws.close();
        resolve(frames);
      }
    };
    ws.onerror = () => reject(new Error("viewer socket failed"));
  });
}

describe("bench: frames are read from their bytes", () => {
  it("names the type of every frame d-back sends, and finds the stamp only in benchmark messages", async () => {
    const server = await startServer({ ingest: { token: TOKEN } });
    try {
      const put = await fetch(`${server.url}/api/ingest/servers/42`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ id: "g", name: "G", users: { "7": { uid: "7", username: "Ada", status: "online", roleColor: "#ffffff" } } }),
      });
      assert.equal(put.status, 201);
      const stamp = 1732550000123.456;
      const frames = await viewerFrames(`ws://127.0.0.1:${server.port}/`, (ws, frame) => {
        const type = JSON.parse(frame).type;
        if (type === "server-list") ws.send(JSON.stringify({ type: "connect", data: { server: "nope" } }));
        if (type === "error") ws.send(JSON.stringify({ type: "connect", data: { server: "g" } }));
        if (type === "server-join") {
          server.broadcastMessage("42", { uid: "7", message: "plain words", channel: "1" });
          server.broadcastMessage("42", { uid: "7", message: stampText(12, stamp), channel: "1" });
          server.broadcastPresence("42", { uid: "7", status: "idle" });
        }
      }, (f) => f.length === 6);
      assert.deepEqual(frames.map((f) => frameType(encode(f))), frames.map((f) => JSON.parse(f).type));
      assert.deepEqual(frames.map((f) => frameType(encode(f))), ["server-list", "error", "server-join", "message", "message", "presence"]);
      assert.ok(startsWith(encode(frames[2]!), typePrefix("server-join")));
      assert.ok(!startsWith(encode(frames[2]!), typePrefix("server")), "a prefix ends at the closing quote");
      assert.equal(readStamp(encode(frames[3]!)), undefined);
      assert.deepEqual(readStamp(encode(frames[4]!)), { seq: 12, stamp });
      assert.equal(readStamp(encode(frames[5]!)), undefined);
      assert.equal(frameType(encode("not json")), undefined);
      // The Python d-back writes JSON with a space after each colon; the viewers read its frames too.
      const spaced = JSON.stringify(JSON.parse(frames[2]!), null, 1).replace(/\n\s*/g, "");
      assert.ok(spaced.startsWith('{"type": "server-join"'));
      assert.ok(startsWith(encode(spaced), typePrefix("server-join")));
      assert.ok(!startsWith(encode(spaced), typePrefix("server-list")));
      assert.ok(!startsWith(encode('{"type":  "server-join"'), typePrefix("server-join")), "one space, not any");
    } finally {
      await server.stop();
    }
  });
});

describe("bench: the HTTP load client finds where responses end", () => {
  const responses = [
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3\r\nabc\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\nno",
  ];
  const stream = encode(responses.join(""));
  const expected = [{ status: 200, bodyBytes: 5 }, { status: 200, bodyBytes: 19 }, { status: 304, bodyBytes: 0 }, { status: 404, bodyBytes: 2 }];

  it("in one piece, and cut anywhere", () => {
    assert.deepEqual(new ResponseReader().feed(stream), expected);
    for (const size of [1, 2, 3, 7, 64]) {
      const reader = new ResponseReader();
      const ended = [];
      for (let i = 0; i < stream.length; i += size) ended.push(...reader.feed(stream.subarray(i, i + size)));
      assert.deepEqual(ended, expected, `cut every ${size} bytes`);
    }
  });

  it("on a real keep-alive connection to d-back, one request after the other", async () => {
    const { root, site } = makeDzoneFolder();
    const server = await startServer({ staticDir: site });
    const paths = ["/", "/?socketURL=ws%3A%2F%2F127.0.0.1%2F", "/static/bundle.js"];
    try {
      const reader = new ResponseReader();
      const ended = await new Promise<{ status: number; bodyBytes: number }[]>((resolve, reject) => {
        const got: { status: number; bodyBytes: number }[] = [];
        const socket = connect(server.port, "127.0.0.1");
        const ask = () => socket.write(`GET ${paths[got.length]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        socket.on("connect", ask);
        socket.on("data", (chunk: Uint8Array) => {
          got.push(...reader.feed(new Uint8Array(chunk)));
          if (got.length < paths.length) return ask();
          socket.destroy();
          resolve(got);
        });
        socket.on("error", reject);
      });
      const index = readFileSync(join(site, "index.html")).length;
      const bundle = readFileSync(join(site, "static", "bundle.js")).length;
      // A d-zone folder's page without socketURL is a redirect with an empty body.
      assert.deepEqual(ended, [{ status: 302, bodyBytes: 0 }, { status: 200, bodyBytes: index }, { status: 200, bodyBytes: bundle }]);
    } finally {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("bench: latency histograms", () => {
  it("give quantiles within 1 % and the exact maximum, merged over processes", () => {
    const a = new Recorder(), b = new Recorder();
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).add(i / 10); // 0.1 … 100 ms
    const h = merge([a.toJSON(), b.toJSON()]);
    assert.equal(h.n, 1000);
    assert.equal(h.max, 100);
    for (const [q, want] of [[0.5, 50], [0.99, 99], [0.01, 1]] as const) {
      const got = quantile(h, q);
      assert.ok(Math.abs(got - want) / want <= 0.011, `p${q * 100}: ${got}, want ${want}`);
    }
    assert.ok(Number.isNaN(quantile(new Recorder().toJSON(), 0.5)));
  });
});

const isDeno = "Deno" in globalThis;
const runtime = isDeno ? "deno" : "bun";

/** Runs the suite with `args` on this runtime; resolves with its exit code and the results file it wrote. */
async function runSuite(args: string[]): Promise<{ code: number | null; results: any }> {
  const dir = mkdtempSync(join(tmpdir(), "dback-bench-test-"));
  const out = join(dir, "results.json");
  const main = fileURLToPath(new URL("../bench/main.ts", import.meta.url));
  const all = [...args, "--runtime", runtime, "--repeat", "1", "--no-wait", "--out", out];
  try {
    const { code, stdout, stderr } = await runCommand(scriptCommand(main, all), {}, 300_000);
    if (code !== 0) console.error(stdout + stderr);
    return { code, results: code === 0 ? JSON.parse(readFileSync(out, "utf8")) : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("bench: a short run of the suite", () => {
  it("runs a join storm against d-back and the ceiling and writes results that add up", async () => {
    const { code, results } = await runSuite(["--only", "join", "--members", "300", "--storm", "40"]);
    assert.equal(code, 0);
    assert.equal(results.loadClients, "bun");
    assert.equal(results.machine.nproc > 0, true);
    assert.deepEqual(results.failures, []);
    const joined = results.rows.find((r: any) => r.scenario === "join storm" && r.metric === "all joined");
    assert.equal(joined.runtime, runtime);
    assert.ok(joined.dback > 0 && joined.ceiling > 0);
    const detail = results.details.find((d: any) => d.scenario === "join storm");
    for (const target of ["d-back", "ceiling"]) {
      const [run] = detail.runs[target];
      assert.equal(run.joined, 40, `${target}: every viewer joined`);
      assert.equal(run.failed, 0);
      assert.ok(run.joinBytes > 300 * 60, `${target}: server-join carries 300 members (${run.joinBytes} bytes)`);
      assert.ok(run.peak >= run.rssBefore, `${target}: peak RSS is at least the RSS before`);
    }
  });

  it("times a cold start from source (first answer and whole server) beside the ceiling and the floor under both", async () => {
    const { code, results } = await runSuite(["--only", "cold", "--quick", "--executable", "no-such-executable"]);
    assert.equal(code, 0);
    assert.deepEqual(results.failures, []);
    const rows = results.rows.filter((r: any) => r.scenario === "cold start" && r.runtime === runtime && r.metric === "spawn → first 200");
    const source = rows.find((r: any) => r.case === `${runtime} src/main.ts`);
    const floor = rows.find((r: any) => r.case.startsWith("floor:"));
    for (const row of [source, floor]) assert.ok(row.dback > 0 && row.ceiling > 0, `${row.case}: both timed`);
    // Both ratios are against the same ceiling runs (the floor is timed in the ceiling's turn).
    assert.equal(floor.ceiling, source.ceiling);
    // The whole server's start: until a file is served, which d-back does only once started.
    const started = results.rows.find((r: any) => r.scenario === "cold start" && r.runtime === runtime && r.case.endsWith("the whole server started"));
    assert.ok(started.dback > 0 && started.ceiling > 0 && /discord-callback\.html/.test(started.metric), "the whole start: both timed");
    const executable = rows.find((r: any) => r.case.startsWith("executable"));
    if (runtime === "bun") assert.match(executable.note, /skipped: no executable/);
  });
});
