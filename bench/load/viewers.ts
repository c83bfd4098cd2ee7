/**
 * A load process of d-zone viewers (run by Bun whatever the server's runtime).
 * On `go` it opens `count` sockets, answers each `server-list` with a
 * `connect`, and reports when all have their `server-join`; then it counts
 * benchmark messages until every socket has `expect` of them, recording the
 * latency from the stamp in each. Frames are recognised by their first
 * bytes and never decoded (ws-client.ts, frames.ts).
 *
 * While counting it reports `progress`: how many messages every one of its
 * sockets has received, which the producer uses as its acknowledgement.
 *
 * Commands: `go` (connect), `report` (say what you have now), `exit`.
 */
import process from "node:process";
import { emit, onCommand, settings } from "./ipc.ts";
import { now, readStamp, startsWith, typePrefix } from "./frames.ts";
import { WsClient } from "./ws-client.ts";
import { Recorder } from "../stats.ts";

export interface ViewersConfig {
  /** ws:// URL of the server. */
  url: string;
  count: number;
  /** The short id to `connect` to. */
  server: string;
  /** Benchmark messages each socket should receive (warm-up included); 0 for none. */
  expect: number;
  /** Messages with a lower sequence number are warm-up: counted, not timed. */
  warm: number;
  /** Sockets connecting at the same time; 0 for all at once (a join storm). */
  concurrency: number;
}

const SERVER_LIST = typePrefix("server-list");
const SERVER_JOIN = typePrefix("server-join");
const ERROR = typePrefix("error");

const config = settings<ViewersConfig>();
const connect = `{"type":"connect","data":{"server":${JSON.stringify(config.server)}}}`;
const sockets: WsClient[] = [];
const latency = new Recorder();
let goAt = 0, firstJoin = 0, lastJoin = 0, joined = 0, failed = 0, closed = 0, joinBytes = 0;
let complete = 0, first = 0, last = 0, measured = 0, other = 0, errors = 0, started = 0;
let reportedJoin = false, reportedDone = false;
const reasons = new Set<string>();
/** Sockets by how many messages they have: the least of them is this process's progress. */
const atLevel = new Uint32Array(config.expect + 1);
let least = 0, progressDue = false;

/** A socket went from `level - 1` to `level` messages. */
function advance(level: number): void {
  atLevel[level - 1]!--;
  atLevel[level]!++;
  if (level - 1 !== least) return;
  while (least < config.expect && atLevel[least] === 0) least++;
  if (!progressDue) {
    progressDue = true;
    setTimeout(() => {
      progressDue = false;
      emit({ type: "progress", least });
    }, 2);
  }
}

function open(): void {
  started++;
  let isJoined = false;
  let got = 0;
  const socket: WsClient = new WsClient(config.url, {
    message(payload, length) {
      if (isJoined) {
        const s = readStamp(payload);
        if (!s) {
          other++;
          if (startsWith(payload, ERROR)) errors++;
          return;
        }
        const t = now();
        if (s.seq >= config.warm) {
          latency.add(t - s.stamp);
          measured++;
          if (first === 0) first = t;
          last = t;
        }
        advance(++got);
        if (got === config.expect && ++complete === config.count) done();
      } else if (startsWith(payload, SERVER_LIST)) {
        socket.send(connect);
      } else if (startsWith(payload, SERVER_JOIN)) {
        isJoined = true;
        atLevel[0]!++;
        joinBytes = length;
        const t = now();
        if (joined++ === 0) firstJoin = t;
        lastJoin = t;
        settle();
      } else {
        if (startsWith(payload, ERROR)) errors++;
        other++;
      }
    },
    close(why) {
      closed++;
      if (why) reasons.add(why);
      if (!isJoined) {
        failed++;
        settle();
      }
    },
  });
  sockets.push(socket);
}

/** One socket finished connecting (joined or failed): start the next, report when all are done. */
function settle(): void {
  if (started < config.count) open();
  if (!reportedJoin && joined + failed === config.count) {
    reportedJoin = true;
    emit({ type: "joined", goAt, firstJoin, lastJoin, joined, failed, errors, joinBytes, reasons: [...reasons].slice(0, 5) });
    if (config.expect === 0 || failed === config.count) done();
  }
}

function stats() {
  return {
    type: "done",
    sockets: config.count,
    complete,
    measured,
    first,
    last,
    other,
    errors,
    closed,
    reasons: [...reasons].slice(0, 5),
    latency: latency.toJSON(),
  };
}

function done(): void {
  if (reportedDone) return;
  reportedDone = true;
  emit(stats());
}

onCommand(({ cmd }) => {
  if (cmd === "go") {
    goAt = now();
    const n = config.concurrency > 0 ? Math.min(config.concurrency, config.count) : config.count;
    for (let i = 0; i < n; i++) open();
  } else if (cmd === "report") {
    emit({ ...stats(), type: "report" });
  } else if (cmd === "exit") {
    for (const s of sockets) s.close();
    process.exit(0);
  }
});
emit({ type: "spawned" });
