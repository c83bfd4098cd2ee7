/**
 * A load process that plays Discord for d-back: the project's fake Discord
 * (REST and gateway, tests/helpers/fake-gateway.ts) with one guild of
 * `members` fixture members, loaded by d-back through member chunks when it
 * is large. On `go` it dispatches MESSAGE_CREATEs whose text carries the
 * sequence number and send stamp (frames.ts), flat out within `window`
 * events in flight (the runner relays the viewers' progress as `acked`), as
 * the ingest producer does, so both paths are measured alike: like the
 * producer it sends `batch` events at a time once that many have left the
 * window, each still its own gateway frame (Discord has no frame carrying
 * several events; the ingest API has).
 *
 * Commands: `probe` (with the server's `url`), `go`, `acked` (with `n`), `exit`.
 * Reports: `listening` (with `apiBase`), `ready`, `sent`, `done`.
 */
import process from "node:process";
import { emit, onCommand, settings } from "./ipc.ts";
import { now, readStamp, startsWith, stampText, typePrefix } from "./frames.ts";
import { WsClient } from "./ws-client.ts";
import { FakeGateway, type FakeMember, type FakeStatus } from "../../tests/helpers/fake-gateway.ts";
import { GUILD_ID, members } from "../fixture.ts";

export interface DiscordGatewayConfig {
  /** The bot token d-back is given (never printed). */
  token: string;
  members: number;
  count: number;
  warm: number;
  /** Events in flight at most (sent, not yet received by every viewer). */
  window: number;
  /** Events sent together once that many have left the window (the producer's `batch`; one frame each here). */
  batch: number;
  /** Members per GUILD_MEMBERS_CHUNK. */
  chunkSize: number;
  /** The guild's short id in d-back, for the probe's `connect`. */
  server: string;
}

const c = settings<DiscordGatewayConfig>();
const total = c.warm + c.count;
const fake = await FakeGateway.start({ token: c.token, chunkSize: c.chunkSize, largeThreshold: 250, heartbeatMs: 41_250 });
const fixture = Object.values(members(c.members));
const guildMembers: FakeMember[] = fixture.map((m) => ({ user: { id: m.uid, username: m.username, global_name: null }, nick: null, roles: [] }));
const presences: Record<string, FakeStatus> = {};
for (const m of fixture) if (m.status !== "offline") presences[m.uid] = m.status as FakeStatus;
fake.addGuild({ id: GUILD_ID, name: "Bench Guild", members: guildMembers, presences, channels: [{ id: "1", name: "general" }] });
const speaker = fixture[0]!.uid;

let sent = 0, seen = 0, acked = 0, measuredFrom = 0;
let probe: WsClient | undefined;

function fail(why: string): never {
  process.stderr.write(`discord-gateway: ${why}\n`);
  process.exit(1);
}

function startProbe(url: string): void {
  const SERVER_LIST = typePrefix("server-list");
  const SERVER_JOIN = typePrefix("server-join");
  let joined = false;
  const socket: WsClient = new WsClient(url, {
    message(payload) {
      if (!joined) {
        if (startsWith(payload, SERVER_LIST)) socket.send(`{"type":"connect","data":{"server":${JSON.stringify(c.server)}}}`);
        else if (startsWith(payload, SERVER_JOIN)) {
          joined = true;
          emit({ type: "ready" });
        } else fail(`probe could not join: ${new TextDecoder().decode(payload.subarray(0, 200))}`);
        return;
      }
      if (readStamp(payload) && ++seen === total) emit({ type: "done", seen });
    },
    close(why) {
      if (seen < total) fail(`probe closed after ${seen} events${why ? `: ${why}` : ""}`);
    },
  });
  probe = socket;
}

function send(): void {
  const t = now();
  if (sent === c.warm) measuredFrom = t;
  fake.message(GUILD_ID, speaker, stampText(sent, t), "1");
  sent++;
  if (sent === total) emit({ type: "sent", sent, measuredFrom, lastSend: t });
}

/** Flat out, in the producer's steps: `batch` events whenever `batch` places in the window are free. */
function pump(): void {
  while (sent < total && sent - acked + c.batch <= Math.max(c.window, c.batch)) {
    for (let n = Math.min(c.batch, total - sent); n > 0; n--) send();
  }
}

onCommand((command) => {
  const cmd = command.cmd;
  const data = command as unknown as { url: string; n: number };
  if (cmd === "probe") startProbe(data.url);
  else if (cmd === "acked") {
    acked = Math.max(acked, data.n);
    pump();
  } else if (cmd === "go") pump();
  else if (cmd === "exit") {
    probe?.close();
    fake.close().finally(() => process.exit(0));
  }
});
emit({ type: "listening", apiBase: fake.apiBase });
