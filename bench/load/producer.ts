/**
 * A load process that feeds one guild through the ingest WebSocket, the way
 * an out-of-process bot would. Each event is a `message` whose text carries
 * its sequence number and send stamp (frames.ts).
 *
 * Flat out (`rate` 0), it keeps at most `window` events in flight: sent but
 * not yet received by every viewer (the runner relays the viewers' progress
 * as `acked`), so the server is kept busy without a queue growing without
 * bound in front of it or behind it. Paced, it sends one event every
 * 1000/`rate` ms on an absolute schedule. Its own probe viewer tells it when
 * the guild is joined, so no event is sent before the guild exists.
 *
 * With `churn` set, the events are presences instead: member after member
 * of `churn` changes status, as in a busy guild, and nothing is timed.
 *
 * Commands: `go`, `acked` (with `n`), `exit`. Reports: `ready`, `sent`, `done`.
 */
import process from "node:process";
import { emit, onCommand, settings } from "./ipc.ts";
import { now, readStamp, startsWith, stampText, typePrefix } from "./frames.ts";
import { WsClient } from "./ws-client.ts";

export interface ProducerConfig {
  /** ws:// base URL of the server. */
  url: string;
  /** Ingest bearer token (never printed). */
  token: string;
  guildId: string;
  /** Short id, for the probe's `connect`. */
  server: string;
  uid: string;
  /** Events to send after the warm-up. */
  count: number;
  warm: number;
  /** Events per ingest frame. */
  batch: number;
  /** Events in flight (sent, not yet received by every viewer) at most; flat out only. */
  window: number;
  /** Events per second; 0 for flat out. */
  rate: number;
  /** Send presences of these members instead of messages. */
  churn?: string[];
}

const c = settings<ProducerConfig>();
const total = c.warm + c.count;
const head = `{"type":"message","server":${JSON.stringify(c.guildId)},"data":{"uid":${JSON.stringify(c.uid)},"message":"`;
const tail = `","channel":"1"}}`;
const statuses = ["online", "idle", "dnd", "offline"];
/** Event i: member i mod n of `churn` (fixture member j starts with status j mod 4) moves one status on per round. */
const presence = (i: number) => {
  const n = c.churn!.length, j = i % n;
  const status = statuses[(j + 1 + Math.floor(i / n)) % 4];
  return `{"type":"presence","server":${JSON.stringify(c.guildId)},"data":{"uid":${JSON.stringify(c.churn![j])},"status":"${status}"}}`;
};
let sent = 0, seen = 0, acked = 0, rejected = 0, measuredFrom = 0, lastSend = 0;
let ingestOpen = false, probeJoined = false;

function fail(why: string): never {
  process.stderr.write(`producer: ${why}\n`);
  process.exit(1);
}

const ingest = new WsClient(`${c.url}/api/ingest`, {
  open() {
    ingestOpen = true;
    ready();
  },
  message: () => void rejected++, // the ingest socket only ever answers with errors
  close(why) {
    if (seen < total) fail(`ingest socket closed after ${sent} events${why ? `: ${why}` : ""}`);
  },
}, { Authorization: `Bearer ${c.token}` });

const SERVER_LIST = typePrefix("server-list");
const SERVER_JOIN = typePrefix("server-join");
const probe: WsClient = new WsClient(c.url, {
  message(payload) {
    if (!probeJoined) {
      if (startsWith(payload, SERVER_LIST)) probe.send(`{"type":"connect","data":{"server":${JSON.stringify(c.server)}}}`);
      else if (startsWith(payload, SERVER_JOIN)) {
        probeJoined = true;
        ready();
      } else fail(`probe could not join: ${new TextDecoder().decode(payload.subarray(0, 200))}`);
      return;
    }
    if (!readStamp(payload)) return;
    if (++seen === total) emit({ type: "done", seen, rejected });
  },
  close(why) {
    if (seen < total) fail(`probe closed after ${seen} events${why ? `: ${why}` : ""}`);
  },
});

function ready(): void {
  if (ingestOpen && probeJoined) emit({ type: "ready" });
}

function send(n: number): void {
  const t = now();
  if (sent <= c.warm && sent + n > c.warm) measuredFrom = t;
  let frame = n === 1 ? "" : "[";
  for (let i = 0; i < n; i++) frame += (i ? "," : "") + (c.churn ? presence(sent + i) : head + stampText(sent + i, t) + tail);
  if (n !== 1) frame += "]";
  ingest.send(frame);
  sent += n;
  lastSend = t;
  if (sent === total) emit({ type: "sent", sent, measuredFrom, lastSend });
}

/** Flat out: fill the window. */
function pump(): void {
  while (sent < total && sent - acked + c.batch <= Math.max(c.window, c.batch)) send(Math.min(c.batch, total - sent));
}

/** Paced: event i leaves at start + i / rate, whatever the previous one cost. */
function paced(start: number): void {
  const tick = () => {
    const due = Math.min(total, Math.floor(((now() - start) * c.rate) / 1000) + 1);
    while (sent < due) send(1);
    if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / c.rate - now()));
  };
  tick();
}

onCommand((command) => {
  const cmd = command.cmd;
  if (cmd === "acked") {
    acked = Math.max(acked, (command as unknown as { n: number }).n);
    if (c.rate === 0) pump();
  } else if (cmd === "go") {
    if (c.rate > 0) paced(now());
    else pump();
  } else if (cmd === "exit") {
    ingest.close();
    probe.close();
    process.exit(0);
  }
});
emit({ type: "spawned" });
