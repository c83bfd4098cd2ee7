// Read-your-writes for an instance's own cluster writes (src/cluster/own-writes.ts):
// the acknowledgement waits for the local replica to apply the latest number
// Redis gave each guild, on a real Mirror and State.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { State } from "../src/state/state.ts";
import { Mirror } from "../src/cluster/mirror.ts";
import { OwnWrites } from "../src/cluster/own-writes.ts";
import type { BusMessage, GuildSnapshot } from "../src/cluster/messages.ts";

const info = (guildId: string) => ({ guildId, id: `g${guildId}`, name: "G", default: false, passworded: false });
const user = { uid: "1", username: "n", status: "online" as const, roleColor: "#ffffff" };
const step = (g: string, s: number): BusMessage => ({ g, s, e: { t: "presence", d: { uid: "1", status: "idle" } } });

function setup(limitMs: number) {
  const state = new State({ broadcast: () => {}, removed: () => {} });
  const mirror = new Mirror(state, () => {});
  mirror.world(["100", "200"].map((g) => ({ guildId: g, info: info(g), seq: 1, members: { 1: user } }) as GuildSnapshot));
  return { mirror, own: new OwnWrites(mirror, limitMs) };
}

/** Whether `promise` has settled once the microtasks queued so far have run (no timer involved). */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true);
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

describe("cluster own writes", () => {
  it("waits until the replica has applied the latest number of every guild written, not an earlier one", async () => {
    const { mirror, own } = setup(60_000);
    own.stored("100", 2);
    own.stored("100", 3);
    own.stored("200", 2);
    const applied = own.applied();
    mirror.receive(step("100", 2));
    mirror.receive(step("200", 2));
    assert.equal(await settledNow(applied), false, "guild 100 is applied up to 2 of 3");
    mirror.receive(step("100", 3));
    assert.equal(await settledNow(applied), true);
    own.close();
  });

  it("settles at once when nothing written is still unapplied", async () => {
    const { mirror, own } = setup(60_000);
    assert.equal(await settledNow(own.applied()), true, "nothing written");
    own.stored("100", 2);
    mirror.receive(step("100", 2));
    assert.equal(await settledNow(own.applied()), true, "already applied");
    own.close();
  });

  it("gives up on a number never applied after the limit, and forgets it", async () => {
    const { own } = setup(30);
    own.stored("100", 9);
    const first = own.applied();
    assert.equal(await settledNow(first), false);
    await first; // the limit passes: a lost subscription must not hold an acknowledgement for ever
    assert.equal(await settledNow(own.applied()), true, "not waited for a second time");
    own.close();
  });

  // A live event (a gateway's or the library's: nothing acknowledges those) was stored for a guild,
  // then the guild was read again and Redis no longer had it: nothing will ever come for that
  // number, and a later acknowledgement, for any guild, must not wait the limit out for it.
  it("forgets the number of a guild a world read no longer has", async () => {
    const { mirror, own } = setup(60_000);
    own.stored("100", 2);
    mirror.holdAll();
    mirror.world([{ guildId: "200", info: info("200"), seq: 1, members: { 1: user } } as GuildSnapshot]);
    own.stored("200", 2);
    mirror.receive(step("200", 2));
    assert.equal(await settledNow(own.applied()), true);
    own.close();
  });

  it("forgets the number of a guild read again and found gone", async () => {
    const { mirror, own } = setup(60_000);
    own.stored("100", 2);
    mirror.guild("100", undefined);
    assert.equal(await settledNow(own.applied()), true);
    own.close();
  });

  it("close lets every wait go", async () => {
    const { own } = setup(60_000);
    own.stored("200", 5);
    const applied = own.applied();
    own.close();
    assert.equal(await settledNow(applied), true);
  });
});
