// The replica's ordering rules (src/cluster/mirror.ts) on a real State and
// Hub-shaped listener: duplicates dropped, a gap held until the guild is read
// again, events after the snapshot replayed once and in order.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { State } from "../src/state/state.ts";
import { Mirror } from "../src/cluster/mirror.ts";
import type { BusMessage, GuildSnapshot } from "../src/cluster/messages.ts";
import type { Broadcast } from "../src/protocol/outbound.ts";

const G = "100";
const info = { guildId: G, id: "g", name: "G", default: false, passworded: false };
const user = (name: string) => ({ uid: "1", username: name, status: "online" as const, roleColor: "#ffffff" });
const step = (s: number): BusMessage => ({ g: G, s, e: { t: "presence", d: { uid: "1", status: "online", username: `n${s}` } } });

function setup() {
  const heard: string[] = [];
  const state = new State({
    broadcast: (_g: string, event: Broadcast) => heard.push((event.data as { username?: string }).username ?? event.type),
    removed: () => heard.push("removed"),
  });
  const resyncs: string[] = [];
  const mirror = new Mirror(state, (guildId) => resyncs.push(guildId));
  mirror.world([{ guildId: G, info, seq: 1, members: { 1: user("n1") } } as GuildSnapshot]);
  return { state, mirror, heard, resyncs };
}

describe("cluster mirror", () => {
  it("tells a writer when its event is applied here, so a PUT's guild is known before the PUT is answered", async () => {
    const { mirror } = setup();
    const order: string[] = [];
    const third = mirror.applied(G, 3).then(() => order.push("3"));
    const removed = mirror.applied("200", 1).then(() => order.push("gone"));
    await mirror.applied(G, 1); // already applied: settles at once
    mirror.receive(step(2));
    await Promise.resolve();
    assert.deepEqual(order, [], "event 2 does not settle a wait for 3");
    mirror.receive(step(3));
    await third;
    mirror.guild("200", undefined); // a guild Redis no longer holds: its writers stop waiting
    await removed;
    assert.deepEqual(order, ["3", "gone"]);
  });

  it("a removal it applied still counts as applied, so the writer that removed the guild is not kept waiting", async () => {
    const { mirror, state } = setup();
    mirror.receive({ g: G, s: 2, e: { t: "remove" } });
    assert.equal(state.get(G), undefined);
    assert.equal(mirror.seq(G), 0, "the guild's numbering is forgotten: a later put starts it afresh");
    assert.equal(mirror.reached(G, 2), true);
    assert.equal(mirror.reached(G, 3), false);
    await mirror.applied(G, 2);
  });

  it("applies events in sequence and drops one it already has", () => {
    const { state, mirror, heard } = setup();
    for (const s of [2, 3, 3, 2, 4]) mirror.receive(step(s));
    assert.deepEqual(heard, ["n2", "n3", "n4"]);
    assert.equal(state.get(G)!.member("1")!.username, "n4");
    assert.equal(mirror.seq(G), 4);
  });

  it("a gap asks for the guild again and holds what follows until the snapshot, then replays only what is newer", () => {
    const { state, mirror, heard, resyncs } = setup();
    mirror.receive(step(2));
    mirror.receive(step(5));
    mirror.receive(step(6));
    mirror.receive(step(7));
    assert.deepEqual(resyncs, [G]);
    assert.deepEqual(heard, ["n2"], "nothing past the gap before the guild is read");
    // Redis had the guild at 6 (events 3–6 applied): 5 and 6 are in the snapshot, 7 is not.
    mirror.guild(G, { guildId: G, info, seq: 6, members: { 1: user("n6") } } as GuildSnapshot);
    assert.deepEqual(heard, ["n2", "n6", "n7"], "the snapshot's difference, then 7 once");
    assert.equal(state.get(G)!.member("1")!.username, "n7");
    assert.equal(mirror.gaps, 1);
  });

  it("while the whole world is read, every event waits; a guild Redis no longer has is removed", () => {
    const { state, mirror, heard } = setup();
    mirror.holdAll();
    mirror.receive(step(2));
    assert.deepEqual(heard, []);
    mirror.world([]);
    assert.equal(state.get(G), undefined);
    assert.deepEqual(heard, ["removed"], "the held event for the removed guild is not applied");
  });

  it("a guild it never saw starts from a put with its members; anything else for it is a gap", () => {
    const { mirror, resyncs, state } = setup();
    mirror.receive({ g: "200", s: 9, e: { t: "presence", d: { uid: "1", status: "idle" } } });
    assert.deepEqual(resyncs, ["200"]);
    mirror.receive({ g: "300", s: 4, e: { t: "put", info: { ...info, guildId: "300", id: "h" }, members: { 1: user("x") } } });
    assert.equal(state.get("300")!.member("1")!.username, "x");
    assert.equal(mirror.seq("300"), 4);
  });
});
