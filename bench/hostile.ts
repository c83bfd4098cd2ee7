/**
 * What hostile clients cost a d-back, in memory: the figures behind README's
 * "Hostile clients" section. Not a test (nothing here is asserted); run
 * `bun bench/hostile.ts [bun|deno]` on a quiet machine.
 *
 * - never-reading: 5 viewers that never read each send 40 `connect`s to a
 *   guild of 100 000 members (a ~10 MB `server-join`).
 * - big frames: 10 viewers each send a 60 MiB binary frame (limit 64 KiB).
 *
 * Prints the server's resident memory before and its peak during each attack,
 * and the /health counters after it.
 */
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import process from "node:process";
import { memory, path, resetPeak, runScript, type RuntimeName, ServerProc, sleep } from "./proc.ts";
import { putGuild, TOKEN } from "./fixture.ts";

const runtime = (process.argv[2] ?? "bun") as RuntimeName;

/** A raw WebSocket that completes the handshake and then reads nothing unless told. */
function viewer(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const tcp = connect({ port, host: "127.0.0.1" });
    tcp.on("error", () => {});
    tcp.once("error", reject);
    tcp.on("connect", () =>
      tcp.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ));
    tcp.once("data", () => resolve(tcp));
  });
}

/** A masked client frame; `payload` is sent as is (the server unmasks it into other bytes, fine for binary). */
function frame(opcode: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const head = n < 126
    ? [0x80 | opcode, 0x80 | n]
    : n < 65536
    ? [0x80 | opcode, 0x80 | 126, n >> 8, n & 255]
    : undefined;
  const h = head ? new Uint8Array(head) : new Uint8Array(10);
  if (!head) {
    h[0] = 0x80 | opcode;
    h[1] = 0x80 | 127;
    new DataView(h.buffer).setBigUint64(2, BigInt(n));
  }
  const mask = new Uint8Array([0, 0, 0, 0]); // a zero mask leaves the payload as written
  const out = new Uint8Array(h.length + 4 + n);
  out.set(h);
  out.set(mask, h.length);
  out.set(payload, h.length + 4);
  return out;
}

const mb = (kib: number) => `${Math.round(kib / 1024)} MB`;

async function attack(name: string, server: ServerProc, run: (port: number) => Promise<Socket[]>) {
  const port = Number(new URL(server.url).port);
  await sleep(500);
  const before = memory(server.pid).rss;
  resetPeak(server.pid);
  const sockets = await run(port);
  await sleep(3000);
  const peak = memory(server.pid).hwm;
  for (const s of sockets) s.destroy();
  await sleep(4000);
  const health = await (await fetch(server.url + "/health")).json();
  const { viewers, joined, connections, addresses } = health;
  console.log(
    `${runtime} ${name}: RSS ${mb(before)} → peak ${mb(peak)}; after: ${
      JSON.stringify({ viewers, joined, connections, addresses })
    }`,
  );
}

/** Runs `attacks` against a fresh CLI server started with `flags`. */
async function against(flags: string[], attacks: (server: ServerProc) => Promise<void>) {
  const [cmd, args] = runScript(runtime, path("src/main.ts"), ["--port", "0", ...flags]);
  const server = new ServerProc(cmd, args, { DBACK_INGEST_TOKEN: TOKEN });
  try {
    await server.ready();
    await attacks(server);
  } finally {
    await server.stop();
  }
}

// The ingest API only to put the big guild in; its body limit is the producers', so it gets a server of its own.
await against(["--ingest-max-bytes", String(64 * 1024 * 1024)], async (server) => {
  await putGuild(server.url, 100_000);
  await attack("never-reading (5 viewers × 40 connects, 100 000 members)", server, async (port) => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => viewer(port)));
    const connect = frame(1, new TextEncoder().encode(JSON.stringify({ type: "connect", data: { server: "bench" } })));
    for (const s of sockets) {
      s.pause();
      for (let i = 0; i < 40; i++) s.write(connect);
    }
    return sockets;
  });
});
await against(["--mock"], (server) =>
  attack("big frames (10 viewers × 60 MiB)", server, async (port) => {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => viewer(port)));
    const big = frame(2, new Uint8Array(60 * 1024 * 1024));
    for (const s of sockets) s.write(big);
    return sockets;
  }));
