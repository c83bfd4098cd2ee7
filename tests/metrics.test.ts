// /metrics on the admin port, parsed and checked against what the test did.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { ALPHA, BETA, PumpSource } from "./helpers/pump-source.ts";
import { Client, until } from "./helpers/client.ts";
import { RawSocket, Refused } from "./helpers/raw-socket.ts";
import { ingest, TOKEN } from "./helpers/ingest.ts";
import { pixelTown, startDiscord } from "./helpers/discord-world.ts";
import { RedisServer } from "./helpers/redis.ts";
import { waitFor } from "./helpers/cluster.ts";
import { AddressInUseError, type Server } from "../src/mod.ts";

/** One sample of the Prometheus text format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the exposition text; every non-comment line must be a well-formed sample. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of m[2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of one sample (0 when absent, as for a counter never incremented). */
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

describe("Prometheus metrics on the admin port", () => {
  let server: Server;
  let source: PumpSource;
  const scrape = async () => {
    const res = await fetch(server.adminUrl + "/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    return parse(await res.text());
  };

  before(async () => {
    source = new PumpSource();
    server = await startServer({ source, admin: { port: 0 }, limits: { maxConnectionsPerAddress: 5 } });
  });
  after(() => server.stop());

  it("listens apart from the public port, on 127.0.0.1", () => {
    const admin = new URL(server.adminUrl);
    assert.equal(admin.hostname, "127.0.0.1");
    assert.notEqual(Number(admin.port), server.port);
  });

  it("counts N viewers, per guild, and M events delivered to them", async () => {
    const N = 3;
    const M = 7;
    const alpha = await Promise.all(Array.from({ length: N }, () => Client.joined(`ws://127.0.0.1:${server.port}/`, "alpha")));
    const beta = await Client.joined(`ws://127.0.0.1:${server.port}/`, "beta");
    let s = await scrape();
    assert.equal(value(s, "dback_viewers"), N + 1);
    assert.equal(value(s, "dback_guild_viewers", { guild: ALPHA }), N);
    assert.equal(value(s, "dback_guild_viewers", { guild: BETA }), 1);
    assert.equal(value(s, "dback_guilds_watched"), 2);
    assert.equal(value(s, "dback_guilds"), 2);
    const framesBefore = value(s, "dback_frames_sent_total");
    const bytesBefore = value(s, "dback_sent_bytes_total");
    for (let i = 0; i < M; i++) assert.ok(source.message(ALPHA, `event ${i}`));
    for (const { client } of alpha) for (let i = 0; i < M; i++) await client.next("message");
    s = await scrape();
    assert.equal(value(s, "dback_events_total", { source: "pump", type: "message" }), M);
    assert.equal(value(s, "dback_event_handoff_seconds_count"), M);
    assert.equal(value(s, "dback_frames_sent_total") - framesBefore, N * M);
    const frame = JSON.stringify({ type: "message", server: ALPHA, data: { uid: `${ALPHA}9`, message: "event 0", channel: "1" } });
    assert.equal(value(s, "dback_sent_bytes_total") - bytesBefore, N * M * frame.length);
    for (const { client } of [...alpha, beta]) await client.close();
    await until(() => server.viewers === 0, "the viewers to be gone");
    s = await scrape();
    assert.equal(value(s, "dback_viewers"), 0);
    assert.equal(value(s, "dback_guilds_watched"), 0);
    assert.equal(value(s, "dback_viewer_closes_total", { code: "1000" }) + value(s, "dback_viewer_closes_total", { code: "1005" }), N + 1);
  });

  it("counts upgrades refused by reason", async () => {
    const open = await Promise.all(Array.from({ length: 5 }, () => RawSocket.open(server.port)));
    await assert.rejects(RawSocket.open(server.port), (e) => e instanceof Refused && e.status === 429);
    await assert.rejects(RawSocket.open(server.port), (e) => e instanceof Refused && e.status === 429);
    for (const socket of open) socket.destroy();
    assert.equal(value(await scrape(), "dback_upgrades_refused_total", { reason: "address_limit" }), 2);
  });

  it("counts library events and reports the source, readiness and the process", async () => {
    assert.equal(server.broadcastPresence(BETA, { uid: `${BETA}9`, status: "idle" }), true);
    assert.equal(server.broadcastPresence("999", { uid: "1", status: "idle" }), false);
    const s = await scrape();
    assert.equal(value(s, "dback_events_total", { source: "library", type: "presence" }), 1, "unknown guilds are not counted");
    assert.equal(value(s, "dback_source_ready", { source: "pump" }), 1);
    assert.equal(value(s, "dback_ready"), 1);
    assert.ok(value(s, "dback_process_resident_memory_bytes") > 1e6);
    assert.ok(value(s, "dback_process_heap_used_bytes") > 0);
    assert.equal(s.filter((x) => x.name === "dback_event_loop_lag_seconds").length, 1);
    assert.equal(value(s, "dback_info", { runtime: server.runtime.name }), 1);
    assert.ok(s.every((x) => x.name.startsWith("dback_")), "no unprefixed metrics");
  });

  it("will not start a second server on a taken admin port", async () => {
    const taken = Number(new URL(server.adminUrl).port);
    await assert.rejects(startServer({ source: new PumpSource(), admin: { port: taken } }), AddressInUseError);
  });

  it("answers 404 elsewhere on the admin port, and serves nothing of the admin port on the public one", async () => {
    assert.equal((await fetch(server.adminUrl + "/nope")).status, 404);
    const pub = await fetch(server.url + "/metrics");
    assert.equal(pub.status, 404);
    await pub.body?.cancel();
  });
});

describe("metrics of the ingest API, sign-ins and several sources", () => {
  let server: Server;
  before(async () => {
    server = await startServer({
      ingest: { token: TOKEN },
      mock: { presenceMs: 600_000, messageMs: 600_000 },
      admin: { port: 0 },
    });
  });
  after(() => server.stop());
  const scrape = async () => parse(await (await fetch(server.adminUrl + "/metrics")).text());

  it("counts ingest requests by status and ingest events by type", async () => {
    const guild = { id: "pushed", name: "Pushed", users: { "11": { uid: "11", username: "a", status: "online", roleColor: "#123456" } } };
    assert.equal((await ingest(server, "PUT", "/servers/777", guild)).status, 201);
    const events = [
      { type: "presence", server: "777", data: { uid: "11", status: "idle" } },
      { type: "message", server: "777", data: { uid: "11", message: "hi", channel: "1" } },
    ];
    assert.equal((await ingest(server, "POST", "/events", events)).status, 200);
    assert.equal((await ingest(server, "POST", "/events", events, "wrong-token-wrong-token")).status, 401);
    assert.equal((await ingest(server, "POST", "/events", { ...events[0], server: "778" })).status, 404);
    const s = await scrape();
    for (const [status, n] of [["201", 1], ["200", 1], ["401", 1], ["404", 1]] as const) {
      assert.equal(value(s, "dback_ingest_requests_total", { status }), n, status);
    }
    assert.equal(value(s, "dback_events_total", { source: "ingest", type: "presence" }), 1);
    assert.equal(value(s, "dback_events_total", { source: "ingest", type: "message" }), 1);
    assert.equal(value(s, "dback_source_ready", { source: "ingest" }), 1);
    assert.equal(value(s, "dback_source_ready", { source: "mock" }), 1);
  });

  it("counts sign-ins by result", async () => {
    const client = await Client.open(`ws://127.0.0.1:${server.port}/`);
    try {
      await client.next("server-list");
      client.connect({ server: "oauth", discordToken: "t0ken", discordUser: { id: "1", username: "someone" } });
      await client.next("server-join");
      assert.match(await client.errorFor({ type: "connect", data: { server: "oauth", password: "wrong" } }), /./);
    } finally {
      await client.close();
    }
    const s = await scrape();
    assert.equal(value(s, "dback_sign_ins_total", { result: "accepted" }), 1);
    assert.equal(value(s, "dback_sign_ins_total", { result: "refused" }), 1);
  });
});

describe("metrics of the Discord gateway source", () => {
  it("reports the gateway connected and ready, and counts its presences and messages", async () => {
    const running = await startDiscord([pixelTown()], {}, { admin: { port: 0 } });
    const scrape = async () => parse(await (await fetch(running.server.adminUrl + "/metrics")).text());
    const { client } = await Client.joined(`ws://127.0.0.1:${running.server.port}/`, "pixel-town");
    try {
      let s = await scrape();
      assert.equal(value(s, "dback_source_ready", { source: "discord" }), 1);
      assert.equal(value(s, "dback_source_status", { source: "discord", field: "connected" }), 1);
      const before = value(s, "dback_events_total", { source: "discord", type: "presence" });
      running.fake.presence("100000000000000001", "200000000000000003", "online");
      await client.next("presence");
      running.fake.message("100000000000000001", "200000000000000002", "hello", "400000000000000001");
      await client.next("message");
      s = await scrape();
      assert.equal(value(s, "dback_events_total", { source: "discord", type: "presence" }) - before, 1);
      assert.equal(value(s, "dback_events_total", { source: "discord", type: "message" }), 1);
    } finally {
      await client.close();
      await running.stop();
    }
  });
});

describe("metrics of an instance in a cluster", { timeout: 30_000 }, () => {
  it("reports the cluster and this instance's own source apart, with the cluster's fields, and Redis going away", async () => {
    const redis = await RedisServer.start();
    const server = await startServer({ cluster: { url: redis.url }, mock: true, admin: { port: 0 } });
    const scrape = async () => parse(await (await fetch(server.adminUrl + "/metrics")).text());
    try {
      await waitFor(async () => value(await scrape(), "dback_source_status", { source: "cluster", field: "connected" }) === 1, "the cluster connected");
      const s = await scrape();
      assert.equal(value(s, "dback_source_ready", { source: "cluster" }), 1);
      assert.equal(value(s, "dback_source_ready", { source: "mock" }), 1);
      assert.equal(value(s, "dback_source_status", { source: "cluster", field: "synced" }), 1);
      const overview = await (await fetch(server.adminUrl + "/api/overview")).json();
      assert.deepEqual(overview.sources.map((source: { name: string }) => source.name), ["cluster", "mock"]);
      await redis.stop();
      await waitFor(async () => value(await scrape(), "dback_source_status", { source: "cluster", field: "connected" }) === 0, "the cluster disconnected");
      assert.equal(value(await scrape(), "dback_source_ready", { source: "cluster" }), 0);
    } finally {
      await server.stop();
      await redis.stop();
    }
  });
});

describe("event-loop lag read by Prometheus and by the operator page", () => {
  it("a stall shows in /metrics even when the operator page polled /api/overview in between", async () => {
    const server = await startServer({ mock: true, admin: { port: 0 } });
    try {
      await fetch(server.adminUrl + "/metrics").then((r) => r.text()); // a first scrape: the window starts here
      // Stall this process's event loop (the server's too) for 600 ms, then let the lag timer notice.
      const until = performance.now() + 600;
      while (performance.now() < until) { /* busy */ }
      await new Promise((resolve) => setTimeout(resolve, 600));
      const page = await (await fetch(server.adminUrl + "/api/overview")).json();
      assert.ok(page.eventLoopLag >= 0.3, `the page saw ${page.eventLoopLag} s`);
      const scraped = value(parse(await (await fetch(server.adminUrl + "/metrics")).text()), "dback_event_loop_lag_seconds");
      assert.ok(scraped >= 0.3, `Prometheus saw ${scraped} s after the page had read the lag`);
    } finally {
      await server.stop();
    }
  });
});
