// The roster behind the hub's rooms, the doorway and the heartbeat: a set kept in an array.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Roster } from "../src/roster.ts";

const item = (name: string) => ({ name, slot: -1 });
const names = (roster: Roster<"slot", ReturnType<typeof item>>) => [...roster].map((i) => i.name).sort();

describe("roster", () => {
  it("adds once, deletes once, and knows what it holds", () => {
    const roster = new Roster<"slot", ReturnType<typeof item>>("slot");
    const [a, b, c] = [item("a"), item("b"), item("c")];
    roster.add(a);
    roster.add(b);
    roster.add(a);
    roster.add(c);
    assert.equal(roster.size, 3);
    assert.ok(roster.delete(a));
    assert.ok(!roster.delete(a), "a second delete finds nothing");
    assert.ok(!roster.has(a) && roster.has(b) && roster.has(c));
    assert.deepEqual(names(roster), ["b", "c"]);
    assert.equal(a.slot, -1);
    roster.clear();
    assert.equal(roster.size, 0);
    assert.ok(!roster.has(b) && b.slot === -1);
  });

  it("an item in one roster is not taken for one in another of the same field", () => {
    const one = new Roster<"slot", ReturnType<typeof item>>("slot");
    const other = new Roster<"slot", ReturnType<typeof item>>("slot");
    const [a, b] = [item("a"), item("b")];
    one.add(a);
    other.add(b);
    assert.ok(!other.has(a) && !one.has(b));
    assert.ok(!other.delete(a));
    assert.equal(one.size, 1);
  });

  it("a pass that removes the item it visits, or one it visited, visits every item once", () => {
    const roster = new Roster<"slot", ReturnType<typeof item>>("slot");
    const all = Array.from({ length: 10 }, (_, i) => item(String(i)));
    for (const i of all) roster.add(i);
    const seen: string[] = [];
    let previous: ReturnType<typeof item> | undefined;
    for (const i of roster) {
      seen.push(i.name);
      // Every other visit removes the item itself, the others remove the one visited before.
      if (Number(i.name) % 2 === 0) roster.delete(i);
      else if (previous) roster.delete(previous);
      previous = i;
    }
    assert.deepEqual(seen.sort(), all.map((i) => i.name).sort());
  });
});
