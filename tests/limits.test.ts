// Every limit, hit for real: oversized frames, floods, too many connections,
// slow readers and dead peers, each answered as the README says.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client, sleep, until } from "./helpers/client.ts";
import { RawSocket, Refused } from "./helpers/raw-socket.ts";
import { ALPHA, PumpSource } from "./helpers/pump-source.ts";
import { ingest, ingestSocket, TOKEN } from "./helpers/ingest.ts";
import { MockSource, type Server } from "../src/mod.ts";

const DWORLD = "232769614004748288";
const REPOS = "987654321098765432";
const tooMany = "Too many messages: slow down and send again in a moment.";

/** The close code a real client saw. */
const closeCode = async (client: Client) => (await client.closed).code;

/** A raw viewer that has read `server-list` and joined `server`. */
async function rawJoined(server: Server, name: string): Promise<RawSocket> {
  const raw = await RawSocket.open(server.port);
  await raw.next("server-list");
  raw.send(JSON.stringify({ type: "connect", data: { server: name } }));
  await raw.next("server-join");
  return raw;
}

describe("limits: frame size", () => {
  let server: Server;
  before(async () => server = await startServer({ mock: { presenceMs: 60_000, messageMs: 60_000 }, limits: { maxFrameBytes: 4096 } }));
  after(() => server.stop());

  /** A `connect` frame of exactly `bytes` bytes, padded in `server`. */
  const connectOf = (bytes: number) => {
    const frame = JSON.stringify({ type: "connect", data: { server: "" } });
    return frame.replace('""', `"${"x".repeat(bytes - frame.length)}"`);
  };
  const bytes = (text: string) => new TextEncoder().encode(text).length;

  it("answers a frame of exactly the limit", async () => {
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    const frame = connectOf(4096);
    assert.equal(bytes(frame), 4096);
    assert.equal(await client.errorFor(frame), "Malformed connect: data.server must be at most 128 characters");
    assert.ok(client.isOpen);
    await client.close();
  });

  for (const [label, frame] of [
    ["a text frame one byte over", () => connectOf(4097)],
    ["a text frame of fewer characters than the limit but more bytes", () => JSON.stringify({ type: "connect", data: { server: "€".repeat(1360) } })],
    ["a binary frame over", () => new Uint8Array(5000).fill(0x20)],
    ["a 1 MiB frame", () => "[" + "1,".repeat(512 * 1024) + "1]"],
  ] as const) {
    it(`closes the socket with 1009 for ${label}, and only that socket`, async () => {
      const other = await Client.joined(wsURL(server), "dworld");
      const client = await Client.open(wsURL(server));
      await client.next("server-list");
      const data = frame();
      if (typeof data === "string") assert.ok(bytes(data) > 4096);
      client.send(data);
      assert.equal(await closeCode(client), 1009);
      assert.deepEqual(client.drain(), [], "no answer, only the close");
      assert.equal(await other.client.errorFor("nope"), "Invalid JSON", "the other viewer is still served");
      await other.client.close();
    });
  }
});

describe("limits: frame size, viewers against producers", () => {
  it("holds viewers to --max-frame-bytes, while the ingest socket may send batches up to its own limit", async () => {
    const server = await startServer({ ingest: { token: TOKEN, maxBytes: 256 * 1024 }, limits: { maxFrameBytes: 4096 } });
    try {
      const guild = "300000000000000003";
      const users = { u1: { uid: "u1", username: "one", status: "online", roleColor: "#123456" } };
      assert.equal((await ingest(server, "PUT", `/servers/${guild}`, { id: "gamma", name: "Gamma", default: true, users })).status, 201);
      const viewer = await Client.joined(wsURL(server), "gamma");

      const producer = ingestSocket(server);
      await new Promise((resolve, reject) => (producer.onopen = resolve, producer.onerror = reject));
      const batch = Array.from({ length: 40 }, (_, i) => ({ type: "message", server: guild, data: { uid: "u1", message: `${i}`.padEnd(1000, "."), channel: "1" } }));
      const frame = JSON.stringify(batch);
      assert.ok(frame.length > 40_000, "a batch ten times the viewer limit");
      producer.send(frame);
      for (let i = 0; i < 40; i++) assert.equal(parseInt((await viewer.client.next("message", { skip: ["presence"] })).data.message), i);
      assert.equal(producer.readyState, WebSocket.OPEN);

      const oversized = new Promise<number>((resolve) => producer.onclose = (e) => resolve(e.code));
      producer.send("[" + " ".repeat(256 * 1024) + "]");
      assert.equal(await oversized, 1009, "past its own limit the producer is closed too");

      viewer.client.send("x".repeat(5000));
      assert.equal(await closeCode(viewer.client), 1009);
    } finally {
      await server.stop();
    }
  });
});

describe("limits: message rate", () => {
  let server: Server;
  before(async () =>
    server = await startServer({ mock: { presenceMs: 60_000, messageMs: 60_000 }, limits: { ratePerSecond: 10, rateBurst: 5 } })
  );
  after(() => server.stop());

  it("answers a burst, refuses past it with an error, and serves a viewer again once it slows down", async () => {
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    for (let i = 0; i < 5; i++) assert.equal(await client.errorFor("{"), "Invalid JSON", `frame ${i + 1} of the burst`);
    assert.equal(await client.errorFor("{"), tooMany);
    assert.ok(client.isOpen, "a refusal does not close");
    await sleep(500); // ten frames per second: the bucket has refilled a few
    client.connect({ server: "repos" });
    const join = await client.next("server-join");
    assert.equal(join.data.serverName, "My Repos");
    await client.close();
  });

  it("closes a viewer that keeps sending past the rate with 1008, and only that one", async () => {
    const other = await Client.joined(wsURL(server), "dworld");
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    const answers: string[] = [];
    let sent = 0;
    while (client.isOpen && sent < 1000) {
      client.send("{");
      sent++;
      try {
        answers.push((await client.next("error")).data.message);
      } catch {
        break; // closed while waiting: that is the point
      }
    }
    assert.equal(await closeCode(client), 1008);
    assert.ok(answers.slice(0, 5).every((a) => a === "Invalid JSON"), "the burst was answered");
    assert.ok(answers.includes(tooMany), "it was warned before being closed");
    assert.ok(sent >= 10, `closed only after a burst and as much again past it (sent ${sent})`);
    assert.equal(await other.client.errorFor("{"), "Invalid JSON", "the other viewer is still served");
    await other.client.close();
  });
});

describe("limits: connections", () => {
  let server: Server;
  const open: Client[] = [];
  before(async () => server = await startServer({ limits: { maxConnections: 4, maxConnectionsPerAddress: 3 } }));
  after(async () => {
    await Promise.all(open.map((c) => c.close()));
    await server.stop();
  });

  it("refuses a fourth connection from one address with 429, and admits another address", async () => {
    for (let i = 0; i < 3; i++) open.push(await Client.open(wsURL(server)));
    const refused = await RawSocket.open(server.port).then(() => undefined, (e) => e);
    assert.ok(refused instanceof Refused, String(refused));
    assert.equal(refused.status, 429);
    assert.match(refused.body, /at most 3 connections from one address/);
    const elsewhere = await RawSocket.open(server.port, { from: "127.0.0.2" });
    assert.ok((await elsewhere.next("server-list")).data, "another address is served");
    const health = await (await fetch(server.url + "/health")).json();
    assert.equal(health.connections, 4);
    assert.equal(health.addresses, 2);

    // Full now: 503 for everyone, HTTP still served.
    const full = await RawSocket.open(server.port, { from: "127.0.0.3" }).then(() => undefined, (e) => e);
    assert.ok(full instanceof Refused, String(full));
    assert.equal(full.status, 503);
    assert.match(full.body, /server is full \(4 viewers\)/);
    assert.equal((await fetch(server.url + "/api/version")).status, 200);

    // A place freed is a place again.
    elsewhere.destroy();
    await until(() => server.viewers === 3, "the freed place");
    const again = await RawSocket.open(server.port, { from: "127.0.0.3" });
    await again.next("server-list");
    again.destroy();
  });

  it("gives the place back when an upgrade is refused as malformed", async () => {
    await open.pop()!.close();
    await until(() => server.viewers === 2, "the closed viewers to be gone");
    const response = await fetch(server.url + "/", { headers: { Upgrade: "websocket", Connection: "Upgrade" } });
    assert.equal(response.status, 400);
    await response.text();
    const health = await (await fetch(server.url + "/health")).json();
    assert.equal(health.connections, 2, "the malformed upgrade holds no place");
  });
});

describe("limits: slow viewers", () => {
  let server: Server;
  let source: PumpSource;
  before(async () => {
    source = new PumpSource();
    server = await startServer({ source, limits: { maxBufferedBytes: 256 * 1024 } });
  });
  after(() => server.stop());

  it("closes a viewer that stops reading with 1013, while a viewer of the same guild misses nothing", async () => {
    const normal = await Client.joined(wsURL(server), "alpha");
    const slow = await rawJoined(server, "alpha");
    slow.stopReading();
    assert.equal(server.hub.viewers(ALPHA), 2);

    // Push 4 kB events until the slow viewer is dropped (the kernel's buffers take a few MB first).
    let sent = 0;
    while (server.hub.viewers(ALPHA) === 2 && sent < 40_000) {
      for (let i = 0; i < 20; i++) source.message(ALPHA, String(sent++).padEnd(4000, "."));
      await sleep(1);
    }
    assert.equal(server.hub.viewers(ALPHA), 1, `the slow viewer left its guild (after ${sent} events)`);
    assert.equal(server.viewers, 1);

    const received = () => normal.client.frames.filter((f) => f.type === "message");
    await until(() => received().length === sent, `all ${sent} events at the normal viewer`);
    assert.deepEqual(received().map((f) => parseInt(f.data.message)), [...Array(sent).keys()], "in order, none lost");
    assert.ok(normal.client.isOpen);

    slow.resumeReading();
    await until(() => slow.close !== undefined, "the slow viewer's close frame, after what it was sent before");
    assert.equal(slow.close!.code, 1013);
    const got = slow.messages.filter((m) => m.type === "message").map((m) => parseInt(m.data.message));
    assert.deepEqual(got, [...Array(got.length).keys()], "what it did get came in order, without gaps");
    slow.destroy();
    await normal.client.close();
  });
});

describe("limits: liveness", () => {
  let server: Server;
  let source: MockSource;
  before(async () => {
    source = new MockSource({ presenceMs: 50, messageMs: 70 });
    server = await startServer({ source, limits: { idleTimeoutSeconds: 1 } });
  });
  after(() => server.stop());

  // Pinged after half the timeout, dropped after the whole one unanswered: a few seconds.
  it("pings, closes a viewer that never answers, and removes it from its guild and its simulation", { timeout: 60_000 }, async () => {
    const dead = await rawJoined(server, "dworld");
    const alive = await Client.joined(wsURL(server), "repos");
    assert.equal(source.running, 2);
    await until(() => server.hub.viewers(DWORLD) === 0, "the silent viewer to be dropped", 40_000);
    assert.ok(dead.pings >= 1, "it was pinged before being dropped");
    assert.equal(server.viewers, 1);
    assert.equal(server.hub.rooms, 1, "no hub entry left for its guild");
    assert.equal(server.world.watching, 1);
    assert.equal(source.running, 1, "its guild's simulation stopped");
    assert.ok(alive.client.isOpen, "a viewer that answers pings stays");
    alive.client.drain();
    await alive.client.next(undefined, { timeout: 5000 });
    dead.destroy();
    await alive.client.close();
    await until(() => source.running === 0, "no simulation once everyone has left");
  });
});

describe("limits: stop", () => {
  it("closes viewers with 1001, refuses newcomers, stops every simulation, and returns even when a peer never answers", async () => {
    const source = new MockSource({ presenceMs: 30, messageMs: 30 });
    const server = await startServer({ source, shutdownGraceMs: 1000 });
    const a = await Client.joined(wsURL(server), "dworld");
    const b = await Client.joined(wsURL(server), "repos");
    const stuck = await rawJoined(server, "docs"); // reads, but never answers the close
    assert.equal(source.running, 3);
    const { url, port } = server;
    const stopped = server.stop();
    for (const { client } of [a, b]) {
      const event = await client.closed;
      assert.equal(event.code, 1001);
      assert.equal(event.reason, "going away");
    }
    const late = await RawSocket.open(port).then(() => undefined, (e) => e);
    assert.ok(late instanceof Error, "no viewer is admitted while stopping");
    if (late instanceof Refused) assert.equal(late.status, 503);
    await stopped;
    assert.equal(stuck.close?.code, 1001, "the stuck peer was told too");
    assert.equal(source.running, 0);
    assert.equal(server.world.watching, 0);
    assert.equal(server.hub.rooms, 0);
    assert.equal(server.viewers, 0);
    await assert.rejects(fetch(url + "/health"), "the port is released");
    stuck.destroy();
  });
});
