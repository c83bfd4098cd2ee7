// The Deno adapter's send path and the slow-reader bound: a socket that skips
// measuring its backlog while it has headroom must still refuse, and report,
// exactly what measuring every send would. The WebSocket here is a stand-in
// with a settable `bufferedAmount` (the thing under test is the adapter's
// bookkeeping, not Deno's socket); the adapter end to end is in limits.test.ts
// and hostile.test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Backlog } from "../src/runtime/backlog.ts";
import { DenoSocket } from "../src/runtime/deno/socket.ts";
import { sleep, until } from "./helpers/client.ts";

const utf8 = new TextEncoder();

/** A WebSocket that never flushes: every send adds its UTF-8 bytes to `bufferedAmount`. */
class StuckSocket {
  readyState: number = WebSocket.OPEN;
  queued = 0;
  asked = 0;
  sends = 0;
  get bufferedAmount(): number {
    this.asked++;
    return this.queued;
  }
  send(data: string | ArrayBuffer | Uint8Array): void {
    this.sends++;
    this.queued += typeof data === "string" ? utf8.encode(data).byteLength : data.byteLength;
  }
  close(): void {
    this.readyState = WebSocket.CLOSED;
  }
}

function setup(bound: number) {
  const raw = new StuckSocket();
  const evicted: string[] = [];
  const backlog = new Backlog({
    bound,
    measure: (s) => (s.raw as unknown as StuckSocket).queued,
    evict: () => evicted.push("sweep"),
    delayMs: 5,
  });
  const refuse = () => {
    evicted.push("refused");
    raw.close();
  };
  const socket = new DenoSocket(raw as unknown as WebSocket, { backlog }, () => raw.close(), refuse, new Promise(() => {}));
  return { raw, socket, backlog, evicted };
}

describe("Deno socket: the unsent-data bound with headroom", () => {
  it("refuses the first frame that would take a stuck socket past the bound, after queuing all before it", () => {
    const bound = 64 * 1024;
    const { raw, socket, evicted } = setup(bound);
    // Multi-byte text: three UTF-8 bytes per character, the worst the headroom allows for.
    const frame = `{"type":"message","data":{"message":"${"€".repeat(40)}"}}`;
    const bytes = utf8.encode(frame).byteLength;
    let offered = 0;
    while (evicted.length === 0 && offered < 10_000) {
      socket.send(frame);
      offered++;
    }
    assert.deepEqual(evicted, ["refused"]);
    // The same stream with the backlog asked before every send, as without headroom.
    const reference = setup(bound);
    let sent = 0;
    while (reference.backlog.fits(reference.socket, frame, sent * bytes)) sent++;
    assert.equal(raw.sends, sent, "queued exactly what asking before every send would have");
    assert.ok(raw.sends < offered && raw.asked < sent, `${raw.sends} sent of ${offered}, asked ${raw.asked} times`);
    socket.send(frame);
    assert.equal(raw.sends, sent, "nothing is sent once it is closed");
  });

  it("asks for bufferedAmount only near the bound, not on every send", () => {
    const { raw, socket } = setup(1024 * 1024);
    const frame = '{"type":"message","data":{"message":"hello"}}';
    for (let i = 0; i < 5000; i++) socket.send(frame);
    raw.queued = 0; // the peer read everything meanwhile
    for (let i = 0; i < 5000; i++) socket.send(frame);
    assert.equal(raw.sends, 10_000);
    assert.ok(raw.asked <= 20, `asked ${raw.asked} times for 10 000 sends`);
  });

  it("still measures every frame that may become the socket's largest", () => {
    const { raw, socket } = setup(1024 * 1024);
    const big = "x".repeat(20_000);
    for (let i = 0; i < 3; i++) socket.send(big);
    assert.equal(raw.asked, 6, "before and after each send");
  });

  it("reports a socket left over the bound after a send to the sweep, which evicts it if it stays there", async () => {
    const { raw, socket, evicted } = setup(10_000);
    // A big frame of multi-byte text: it fits by its length, but queues three times as many bytes.
    socket.send("€".repeat(30_000));
    assert.equal(raw.queued, 90_000);
    assert.deepEqual(evicted, [], "not refused");
    await until(() => evicted.length > 0, "the sweep");
    await sleep(10);
    assert.deepEqual(evicted, ["sweep"]);
  });
});
