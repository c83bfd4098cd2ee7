// Generated hostile input: 100 000 frames at the parser, and 25 000 more at a
// live server over real sockets, while another viewer watches its guild.
// Deterministic: DBACK_FUZZ_SEED=<n> replays a run; a failure names its seed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import * as v from "valibot";
import { Connect, parseFrame } from "../src/protocol/inbound.ts";
import { ErrorText } from "../src/protocol/errors.ts";
import { MockSource, type Server } from "../src/mod.ts";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client, until } from "./helpers/client.ts";

const SEED = Number(process.env.DBACK_FUZZ_SEED ?? 20261125) >>> 0;
const PARSER_FRAMES = 100_000;
const LIVE_FRAMES = 25_000;
const LIVE_SOCKETS = 8;
const MAX_FRAME = 64 * 1024;

/** Runs `body`, and on failure says which seed replays it. */
async function seeded(body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`fuzz seed ${SEED} failed (replay with DBACK_FUZZ_SEED=${SEED}): ${message}`, { cause: error });
  }
}

/** xorshift32: small, fast, and the same sequence on every runtime for a seed. */
class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed || 0x9e3779b9;
  }
  /** A float in [0, 1). */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state / 0x1_0000_0000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** A string of `n` characters drawn from ASCII, JSON punctuation, controls, astral and lone surrogates. */
  text(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) {
      const r = this.next();
      if (r < 0.55) out += String.fromCharCode(32 + this.int(95));
      else if (r < 0.7) out += this.pick(['"', "\\", "{", "}", "[", "]", ":", ",", "\n", "\t"]);
      else if (r < 0.8) out += String.fromCharCode(this.int(32));
      else if (r < 0.9) out += String.fromCodePoint(0x80 + this.int(0x10000 - 0x80 - 0x800));
      else if (r < 0.97) out += String.fromCodePoint(0x10000 + this.int(0x10000));
      else out += String.fromCharCode(0xd800 + this.int(0x800)); // a lone surrogate
    }
    return out;
  }
}

const fields = ["type", "data", "data.server", "data.password", "data.discordToken", "data.discordUser", "data.discordUser.id", "data.discordUser.username"] as const;
type Field = typeof fields[number];

/** Values of every JSON type and some edges, for putting where they do not belong. */
const oddValues: readonly unknown[] = [
  0, -1, 1.5, 1e308, -0, 123456789012345678901234567890, true, false, null, "", " ", "x", "connect", "x".repeat(129),
  "y".repeat(1025), "z".repeat(4097), [], [1, 2], ["connect"], {}, { id: "1" }, { type: "connect" }, "\u0000", "€",
];

const isObject = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);
const textUpTo = (max: number) => (x: unknown) => x === null || (typeof x === "string" && x.length <= max);

/** Which values each field of `connect` accepts: the oracle for wrong types. */
const accepts: Record<Field, (x: unknown) => boolean> = {
  type: (x) => x === "connect",
  data: isObject,
  "data.server": (x) => x === null || (typeof x === "string" && x.length <= 128) || (typeof x === "number" && Number.isFinite(x)),
  "data.password": textUpTo(1024),
  "data.discordToken": textUpTo(4096),
  "data.discordUser": (x) => x === null || isObject(x),
  "data.discordUser.id": textUpTo(64),
  "data.discordUser.username": textUpTo(256),
};

/** A well-formed `connect`, with random choices in every optional field. */
function validConnect(r: Random): { type: string; data: Record<string, any> } {
  const data: Record<string, any> = {};
  if (r.chance(0.9)) data.server = r.pick(["dworld", "docs", "repos", "oauth", "default", null, "", "  ", "nope", 123, "DWORLD", " docs "]);
  if (r.chance(0.3)) data.password = r.pick([null, "", "hunter2", r.text(20)]);
  if (r.chance(0.3)) data.discordToken = r.pick([null, "", "token-" + r.int(1e6)]);
  if (r.chance(0.3)) data.discordUser = r.pick([null, {}, { id: "1", username: "u" }, { id: null }, { username: r.text(10) }]);
  return { type: "connect", data };
}

/** Sets `field` of a connect to `value`, creating the objects on the way. */
function withField(base: { type: string; data: Record<string, any> }, field: Field, value: unknown) {
  const frame: any = structuredClone(base);
  const path = field.split(".");
  let at = frame;
  for (const key of path.slice(0, -1)) {
    if (!isObject(at[key])) at[key] = {};
    at = at[key];
  }
  at[path.at(-1)!] = value;
  return frame;
}

/** A random JSON value, nested at most `depth` deep. */
function jsonValue(r: Random, depth: number): unknown {
  const k = depth <= 0 ? r.int(4) : r.int(6);
  switch (k) {
    case 0:
      return r.pick([null, true, false]);
    case 1:
      return r.pick([0, -1, 3.25, 1e21, -1e-7, r.int(1e9)]);
    case 2:
      return r.text(r.int(20));
    case 3:
      return r.pick(["connect", "type", "data", "server"]);
    case 4:
      return Array.from({ length: r.int(4) }, () => jsonValue(r, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(["type", "data", "server", "password", r.text(5)])] = jsonValue(r, depth - 1);
      return o;
    }
  }
}

/** One generated frame and what kind of generator made it. */
type Generated = { kind: string; frame: string | Uint8Array };

/** The frame generators; `maxHuge` bounds the size of the huge-string kind. */
function generator(r: Random, maxHuge: number): () => Generated {
  const kinds: [number, string, () => string | Uint8Array][] = [
    [10, "bytes", () => Uint8Array.from({ length: r.int(300) }, () => r.int(256))],
    [5, "utf8 bytes", () => new TextEncoder().encode(JSON.stringify(validConnect(r)))],
    [10, "text", () => r.text(r.int(200))],
    [15, "json", () => JSON.stringify(jsonValue(r, 4))],
    [10, "typed json", () => JSON.stringify({ type: r.pick(["connect", "Connect", "", "join", 1, null]), data: jsonValue(r, 3) })],
    [20, "mutated connect", () => {
      let s = JSON.stringify(validConnect(r));
      for (let m = 1 + r.int(4); m > 0; m--) {
        const at = r.int(s.length + 1);
        const op = r.int(4);
        if (op === 0) s = s.slice(0, at) + s.slice(at + 1);
        else if (op === 1) s = s.slice(0, at) + r.text(1 + r.int(3)) + s.slice(at);
        else if (op === 2) s = s.slice(0, at) + r.pick(['"', "{", "}", "[", "]", ":", ",", "null", "0"]) + s.slice(at + 1);
        else s = s.slice(0, at) + s.slice(at, at + r.int(10)).repeat(2) + s.slice(at + 10);
      }
      return s;
    }],
    [1, "deep nesting", () => {
      const depth = r.pick([64, 1000, 5000, Math.min(30_000, maxHuge / 4)]);
      const [open, close] = r.pick([["[", "]"], ['{"a":', "}"], ['{"type":"connect","data":', "}"]]);
      const inner = open.repeat(depth) + "1" + close.repeat(depth);
      return r.chance(0.5) ? inner : `{"type":"connect","data":{"server":${inner}}}`;
    }],
    [2, "huge string", () => {
      const size = r.pick([129, 1025, 4097, 20_000, 70_000, maxHuge]);
      const field = r.pick(["server", "password", "discordToken", "junk"]);
      return JSON.stringify({ type: "connect", data: { [field]: "h".repeat(size) } });
    }],
    [15, "wrong type", () => JSON.stringify(withField(validConnect(r), r.pick(fields), r.pick(oddValues)))],
    [10, "valid connect", () => JSON.stringify(validConnect(r))],
  ];
  const total = kinds.reduce((n, [w]) => n + w, 0);
  return () => {
    let x = r.int(total);
    for (const [w, kind, make] of kinds) {
      if ((x -= w) < 0) return { kind, frame: make() };
    }
    throw new Error("unreachable");
  };
}

const contractTexts = new Set<string>(Object.values(ErrorText));
const malformed = /^Malformed connect: data(\.[A-Za-z]+)* (is missing|must be [^\n]{1,80})$/;

/** What the parser's answer must look like for any input at all. */
function checkParsed(frame: string | Uint8Array, kind: string): ReturnType<typeof parseFrame> {
  let parsed;
  try {
    parsed = parseFrame(frame);
  } catch (error) {
    throw new Error(`parseFrame threw on a ${kind} frame ${preview(frame)}: ${error}`);
  }
  if (parsed.ok) {
    assert.ok(v.is(Connect, parsed.message), `a ${kind} frame parsed into something that is not a connect: ${preview(frame)}`);
  } else {
    assert.ok(
      contractTexts.has(parsed.error) || malformed.test(parsed.error),
      `a ${kind} frame got an error text of our own making, not ${JSON.stringify(parsed.error.slice(0, 200))}: ${preview(frame)}`,
    );
  }
  return parsed;
}

const preview = (frame: string | Uint8Array) =>
  typeof frame === "string" ? JSON.stringify(frame.slice(0, 120)) + ` (${frame.length} chars)` : `${frame.byteLength} bytes`;

describe("fuzz", () => {
  it(`parser: ${PARSER_FRAMES} generated frames, seed ${SEED}`, { timeout: 120_000 }, () =>
    seeded(() => {
      const r = new Random(SEED);
      const next = generator(r, 1 << 20);
      const kinds = new Map<string, number>();
      for (let i = 0; i < PARSER_FRAMES; i++) {
        const { kind, frame } = next();
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        checkParsed(frame, kind);
      }
      assert.ok(kinds.size >= 10, "every kind of generator ran");
    }));

  it("parser: every wrong type in every field of connect is refused, naming the field", () =>
    seeded(() => {
      const r = new Random(SEED ^ 0x5a5a5a5a);
      for (const field of fields) {
        for (const value of oddValues) {
          const frame = JSON.stringify(withField(validConnect(r), field, value));
          const parsed = checkParsed(frame, "wrong type");
          const ok = accepts[field](value);
          const where = `${field} = ${JSON.stringify(value).slice(0, 40)}`;
          if (ok) assert.ok(parsed.ok, `${where} is acceptable, yet refused: ${!parsed.ok && parsed.error}`);
          else if (field === "type") assert.deepEqual(parsed, { ok: false, error: ErrorText.unknownType }, where);
          else {
            assert.ok(!parsed.ok, `${where} was accepted`);
            assert.ok(parsed.error.startsWith(`Malformed connect: ${field} `), `${where}: ${parsed.error}`);
          }
        }
      }
    }));

  describe("live server", () => {
    let server: Server;
    let source: MockSource;
    before(async () => {
      source = new MockSource({ presenceMs: 20, messageMs: 25 });
      // No rate limit here: every frame is to be answered (the rate limit has its own tests).
      server = await startServer({ source, limits: { ratePerSecond: 0, maxConnectionsPerAddress: 0, maxFrameBytes: MAX_FRAME } });
    });
    after(() => server.stop());

    it(`${LIVE_FRAMES} generated frames over ${LIVE_SOCKETS} sockets: each answered or closed cleanly, the watcher undisturbed`, { timeout: 120_000 }, () =>
      seeded(async () => {
        const watcher = await Client.joined(wsURL(server), "dworld");
        const events = () => watcher.client.frames.filter((f) => f.type === "presence" || f.type === "message").length;
        const before = events();
        const counts = { answered: 0, closed: 0 };
        await Promise.all(
          Array.from({ length: LIVE_SOCKETS }, (_, i) => fuzzOneSocket(server, new Random(SEED + 1 + i), LIVE_FRAMES / LIVE_SOCKETS, counts)),
        );
        assert.equal(counts.answered + counts.closed, LIVE_FRAMES);
        assert.ok(counts.closed > 0, "some frames were too large and closed their socket");

        assert.ok(watcher.client.isOpen, "the watcher is still connected");
        const during = events() - before;
        assert.ok(during > 0, "the watcher kept receiving events during the fuzzing");
        await watcher.client.next("presence", { skip: ["message"], timeout: 5000 });
        assert.equal((await fetch(server.url + "/health")).status, 200, "the server is up");
        const fresh = await Client.joined(wsURL(server), "repos");
        await fresh.client.close();
        await watcher.client.close();
        await until(() => server.viewers === 0 && server.hub.rooms === 0 && source.running === 0, "everyone to be gone");
      }));
  });
});

const answerTypes = new Set(["error", "server-join"]);
const connectRefusals = new Set<string>([
  ErrorText.unknownServer,
  ErrorText.authRequired,
  ErrorText.authFailed,
  ErrorText.tooManyAttempts,
  ErrorText.sourceFailed,
]);

/** A viewer socket that collects answers (`error`, `server-join`) in order, ignoring events and `server-list`. */
class FuzzSocket {
  readonly answers: { type: string; data: any }[] = [];
  readonly closed: Promise<CloseEvent>;
  #socket: WebSocket;
  #wake: (() => void) | undefined;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data));
      if (answerTypes.has(frame.type)) this.answers.push(frame);
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => socket.addEventListener("close", (e) => (resolve(e), this.#wake?.())));
  }

  static open(url: string): Promise<FuzzSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener("open", () => resolve(new FuzzSocket(socket)), { once: true });
      socket.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)), { once: true });
    });
  }

  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  send(frame: string | Uint8Array): void {
    this.#socket.send(frame);
  }

  /** Waits for `n` answers in all; fails if the socket closes first or nothing comes for a while. */
  async answered(n: number): Promise<void> {
    while (this.answers.length < n) {
      if (!this.open) throw new Error(`socket closed with ${this.answers.length} of ${n} answers`);
      const woke = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        this.#wake = () => (clearTimeout(timer), resolve(true));
      });
      this.#wake = undefined;
      if (!woke) throw new Error(`no answer within 10 s: ${this.answers.length} of ${n}`);
    }
  }

  close(): void {
    this.#socket.close();
  }
}

/** What the server reads from a frame we send: text goes out as UTF-8, lone surrogates replaced. */
const asServerSees = (frame: string | Uint8Array) =>
  typeof frame === "string" ? new TextDecoder().decode(new TextEncoder().encode(frame)) : frame;
const byteSize = (frame: string | Uint8Array) => typeof frame === "string" ? new TextEncoder().encode(frame).byteLength : frame.byteLength;

/**
 * Sends `total` generated frames in windows, checks every answer against
 * the parser's verdict on the same frame, and reconnects after each frame
 * too large to be read (which must close the socket with 1009).
 */
async function fuzzOneSocket(server: Server, r: Random, total: number, counts: { answered: number; closed: number }): Promise<void> {
  const next = generator(r, 100_000);
  let socket: FuzzSocket | undefined;
  let sent = 0;
  while (sent < total) {
    const current = socket ??= await FuzzSocket.open(wsURL(server));
    const window: Generated[] = [];
    let oversize = false;
    while (window.length < 64 && sent + window.length < total && !oversize) {
      const g = next();
      window.push(g);
      oversize = byteSize(g.frame) > MAX_FRAME;
    }
    const base = current.answers.length;
    for (const g of window) current.send(g.frame);
    let answered = window.length;
    if (oversize) {
      // The frame too large closes the socket: what came before it may be answered or not, never out of order.
      const event = await current.closed;
      assert.equal(event.code, 1009, `a ${byteSize(window.at(-1)!.frame)}-byte frame closes with 1009`);
      answered = current.answers.length - base;
      assert.ok(answered < window.length, "no answer to the frame that was too large");
      counts.closed += window.length - answered;
      socket = undefined;
    } else {
      try {
        await current.answered(base + answered);
      } catch (error) {
        const at = current.answers.length - base;
        throw new Error(`${error instanceof Error ? error.message : error}; unanswered: a ${window[at]!.kind} frame ${preview(window[at]!.frame)}`);
      }
    }
    for (let i = 0; i < answered; i++) {
      const { kind, frame } = window[i]!;
      const answer: { type: string; data: any } = current.answers[base + i]!;
      const parsed = checkParsed(asServerSees(frame), kind);
      if (!parsed.ok) {
        assert.deepEqual(answer, { type: "error", data: { message: parsed.error } }, `answer to a ${kind} frame ${preview(frame)}`);
      } else if (answer.type === "error") {
        assert.ok(connectRefusals.has(answer.data.message), `a good connect refused with ${answer.data.message}: ${preview(frame)}`);
      } else assert.equal(answer.type, "server-join");
    }
    counts.answered += answered;
    sent += window.length;
  }
  socket?.close();
  await socket?.closed;
}
