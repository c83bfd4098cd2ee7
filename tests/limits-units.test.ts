// The policies behind the limits, alone: rate buckets, admission counts,
// the slow-reader backlog and the heartbeat, each with its inputs in hand.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WSContext } from "hono/ws";
import { type Bucket, RateLimit } from "../src/rate-limit.ts";
import { Admission } from "../src/admission.ts";
import { Backlog } from "../src/runtime/backlog.ts";
import { Heartbeat } from "../src/runtime/heartbeat.ts";
import { defaultLimits, withDefaults } from "../src/limits.ts";
import { sleep, until } from "./helpers/client.ts";

describe("rate limit", () => {
  /** A new connection's bucket, filled as a viewer's is. */
  const full = (rate: RateLimit): Bucket => {
    const bucket = { rateTokens: 0, rateAt: 0 };
    rate.fill(bucket);
    return bucket;
  };

  it("answers a burst, refuses past it, closes a flood, and refills with time", () => {
    let now = 0;
    const rate = new RateLimit(10, 4, () => now);
    const bucket = full(rate);
    const other = full(rate);
    assert.deepEqual([1, 2, 3, 4].map(() => rate.take(bucket)), ["answer", "answer", "answer", "answer"]);
    assert.deepEqual([1, 2, 3].map(() => rate.take(bucket)), ["refuse", "refuse", "refuse"]);
    assert.equal(rate.take(other), "answer", "each connection has its own bucket");
    now += 1000; // ten tokens' worth, but the bucket holds four
    assert.deepEqual([1, 2, 3, 4, 5].map(() => rate.take(bucket)), ["answer", "answer", "answer", "answer", "refuse"]);
    assert.deepEqual([1, 2, 3].map(() => rate.take(bucket)), ["refuse", "refuse", "close"], "a debt of a whole burst closes");
  });

  it("a client sending exactly at the rate is always answered", () => {
    let now = 0;
    const rate = new RateLimit(20, 40, () => now);
    const bucket = full(rate);
    for (let i = 0; i < 1000; i++) {
      now += 50;
      assert.equal(rate.take(bucket), "answer");
    }
  });

  it("a rate of 0 means no limit", () => {
    const rate = new RateLimit(0, 1, () => 0);
    const bucket = full(rate);
    for (let i = 0; i < 100; i++) assert.equal(rate.take(bucket), "answer");
  });
});

describe("admission", () => {
  it("counts in total and per address, and gives places back once", () => {
    const admission = new Admission({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const a1 = admission.admit("a");
    const a2 = admission.admit("a");
    assert.ok("release" in a1 && "release" in a2);
    const a3 = admission.admit("a");
    assert.ok("status" in a3 && a3.status === 429, "a third from one address");
    const b1 = admission.admit("b");
    assert.ok("release" in b1);
    const c1 = admission.admit("c");
    assert.ok("status" in c1 && c1.status === 503, "full");
    a1.release();
    a1.release();
    assert.equal(admission.connections, 2, "a second release changes nothing");
    assert.ok("release" in admission.admit("c"));
    admission.close();
    const late = admission.admit("d");
    assert.ok("status" in late && late.status === 503 && /shutting down/.test(late.text));
  });

  it("0 means no limit", () => {
    const admission = new Admission({ maxConnections: 0, maxConnectionsPerAddress: 0 });
    for (let i = 0; i < 1000; i++) assert.ok("release" in admission.admit("a"));
  });
});

describe("backlog", () => {
  const socket = () => new WSContext({ send() {}, close() {}, readyState: 1 });

  /** A backlog over a table of buffered amounts, recording whom it evicts. */
  function setup(bound = 1000) {
    const buffered = new Map<WSContext, number>();
    const evicted: WSContext[] = [];
    const backlog = new Backlog({ bound, measure: (s) => buffered.get(s) ?? 0, evict: (s) => evicted.push(s), delayMs: 5 });
    return { buffered, evicted, backlog };
  }

  it("evicts a socket that stays over the bound, and forgives one that drained in time", async () => {
    const { buffered, evicted, backlog } = setup();
    const [stuck, drained, fine] = [socket(), socket(), socket()];
    buffered.set(stuck, 5000).set(drained, 5000).set(fine, 10);
    backlog.sent(stuck, "x".repeat(100), 5000);
    backlog.sent(drained, "x".repeat(100), 5000);
    backlog.sent(fine, "x".repeat(100), 10);
    buffered.set(drained, 0); // flushed before the sweep
    await until(() => evicted.length > 0, "a sweep");
    await sleep(20);
    assert.deepEqual(evicted, [stuck]);
  });

  it("holds no single frame against a socket: the bound applies on top of its largest frame", async () => {
    const { buffered, evicted, backlog } = setup();
    const s = socket();
    backlog.sent(s, "x".repeat(50_000), 30_000); // a big server-join, partly unsent
    buffered.set(s, 30_000);
    await sleep(30);
    assert.deepEqual(evicted, [], "30 kB unsent of a 50 kB frame is not a backlog");
    buffered.set(s, 52_000);
    backlog.sent(s, "x".repeat(200), 52_000);
    await until(() => evicted.length > 0, "the eviction once it kept growing");
    assert.deepEqual(evicted, [s]);
  });

  it("measures a whole room when the runtime only says someone in it is backed up", async () => {
    const { buffered, evicted, backlog } = setup();
    const peers = [socket(), socket(), socket()].map((s) => ({ socket: s }));
    buffered.set(peers[1]!.socket, 2000);
    backlog.suspectRoom(new Set(peers));
    await until(() => evicted.length > 0, "a sweep");
    await sleep(20);
    assert.deepEqual(evicted, [peers[1]!.socket]);
  });

  it("leaves closed sockets alone and stops with close()", async () => {
    const { buffered, evicted, backlog } = setup();
    const closed = new WSContext({ send() {}, close() {}, readyState: 3 });
    buffered.set(closed, 9999);
    backlog.sent(closed, "x".repeat(10), 9999);
    await sleep(30);
    const later = socket();
    buffered.set(later, 9999);
    backlog.sent(later, "x".repeat(10), 9999);
    backlog.close();
    await sleep(30);
    assert.deepEqual(evicted, []);
  });
});

describe("heartbeat", () => {
  it("pings a quiet socket, drops one that never answers, keeps one that does", async () => {
    const pinged: string[] = [];
    const dropped: string[] = [];
    /** A socket as the heartbeat sees it: a name, and the times it keeps on it. */
    const socket = (name: string) => ({ name, heardAt: 0, pingedAt: -1, heartbeatSlot: -1 });
    const alive = socket("alive");
    const dead = socket("dead");
    const heartbeat: Heartbeat<typeof alive> = new Heartbeat<typeof alive>({
      timeoutSeconds: 0.1,
      ping: (s) => {
        pinged.push(s.name);
        if (s === alive) heartbeat.heard(s); // answers at once
      },
      drop: (s) => dropped.push(s.name),
    });
    try {
      heartbeat.heard(alive);
      heartbeat.heard(dead);
      await until(() => dropped.length > 0, "the dead socket to be dropped");
      assert.deepEqual(dropped, ["dead"]);
      assert.ok(pinged.includes("dead"), "it was pinged first");
      await sleep(300);
      assert.deepEqual(dropped, ["dead"], "the answering socket stays, and nobody is dropped twice");
    } finally {
      heartbeat.close();
    }
  });
});

describe("limits", () => {
  it("withDefaults keeps a default wherever a limit is not given", () => {
    assert.deepEqual(withDefaults({ maxConnections: 5, rateBurst: undefined }), { ...defaultLimits, maxConnections: 5 });
  });
});
