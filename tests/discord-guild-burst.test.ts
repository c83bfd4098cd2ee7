// Many guilds arriving at once, and a gateway that repeats a large guild's GUILD_CREATE.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { until } from "./helpers/client.ts";
import { BOT_TOKEN, member } from "./helpers/discord-world.ts";
import { FakeGateway, type FakeGatewayOptions, type FakeGuildInit } from "./helpers/fake-gateway.ts";
import { DiscordSource } from "../src/sources/discord/source.ts";
import { DiscordSettings, shortIds } from "../src/sources/discord/guild-settings.ts";
import { ShortIdBook } from "../src/sources/discord/short-ids.ts";
import { State } from "../src/state/state.ts";
import type { Writes } from "../src/state/writes.ts";
import type { GuildInfo } from "../src/protocol/guild.ts";

const BIG = "100000000000000050";
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/**
 * A fake Discord with `guilds` and a Discord source writing into a real State
 * through a wrapper that counts `putGuild` (how often a guild's info is written).
 */
async function connect(guilds: FakeGuildInit[], options: Partial<FakeGatewayOptions> = {}, settings: unknown = {}, intervalMs = 60_000, prepare: (fake: FakeGateway) => void = () => {}) {
  const fake = await FakeGateway.start({ token: BOT_TOKEN, ...options });
  for (const g of guilds) fake.addGuild(g);
  prepare(fake);
  const state = new State({ broadcast() {}, removed() {} });
  const writes = { puts: 0 } as Writes & { puts: number };
  writes.putGuild = (info, members) => (writes.puts++, state.putGuild(info, members));
  writes.removeGuild = (guildId) => state.removeGuild(guildId);
  writes.presence = (guildId, data) => state.presence(guildId, data);
  writes.message = (guildId, data) => state.message(guildId, data);
  writes.clientId = (guildId, clientId) => state.clientId(guildId, clientId);
  const source = new DiscordSource(writes, { token: BOT_TOKEN, apiBase: fake.apiBase, settings: v.parse(DiscordSettings, settings), memberRequestIntervalMs: intervalMs });
  stop = async () => {
    await source.close();
    await fake.close();
  };
  await source.connect();
  return { fake, state, writes, source };
}

/** `n` one-member guilds with clashing names (slugs "town", "town-1"…, and suffixed ids for the clashes). */
const manyGuilds = (n: number): FakeGuildInit[] =>
  Array.from({ length: n }, (_, i) => {
    const id = `1${String(n - i).padStart(17, "0")}`;
    return { id, name: i % 3 === 0 ? "Town" : `Town ${i % 7}`, members: [member(`2${id.slice(1)}`, `m${i}`)], presences: {} };
  });

const bigGuild = (n: number): FakeGuildInit => {
  const members = Array.from({ length: n }, (_, i) => member(`2100000000000${String(i).padStart(5, "0")}`, `member-${i}`));
  return { id: BIG, name: "Big Hall", members, presences: { [members[0]!.user.id]: "online" } };
};

describe("Discord guilds in a burst", () => {
  it("writes each guild's info a constant number of times when hundreds of guilds arrive at once, with the same list as before", async () => {
    const n = 300;
    const guilds = manyGuilds(n);
    const { writes, source, state } = await connect(guilds, {}, { guilds: { [guilds[5]!.id]: { id: "town" } } });
    await until(() => source.ready(), "the source to be ready");
    // Once per arrival, once when its members are in, and once more for the guild an older namesake displaces
    // (they arrive newest first here), and once more for the previous default when an older guild takes its place
    // (here every arrival does); rebuilding the whole list per GUILD_CREATE made this n²/2 + n.
    assert.ok(writes.puts <= 4 * n, `${writes.puts} guild writes for ${n} guilds`);
    const ids = shortIds(guilds.map((g) => ({ guildId: g.id, name: g.name })), v.parse(DiscordSettings, { guilds: { [guilds[5]!.id]: { id: "town" } } }));
    const expected = [...ids].map(([guildId, id]) => ({ guildId, id })).sort((a, b) => (a.guildId < b.guildId ? -1 : 1));
    assert.deepEqual(source.servers().map((g: GuildInfo) => ({ guildId: g.guildId, id: g.id })), expected);
    assert.deepEqual([...state.guilds()].map((g) => [g.guildId, g.info.id]).sort(), expected.map((g) => [g.guildId, g.id]).sort());
    assert.equal(state.find("town")?.guildId, guilds[5]!.id);
  });

  it("keeps short ids equal to shortIds() for any arrival order, with clashes, configured ids, departures and renames", () => {
    const settings = v.parse(DiscordSettings, { guilds: { "1005": { id: "pub" }, "1007": { id: "pub-x" }, "999": { id: "gone" } } });
    const names = ["Pub", "Pub", "pub!", "Pub X", "gone", "Pub 1005", "Default", "Ünïcode", "???", "pub-1005", "Pub"];
    const all = names.map((name, i) => ({ guildId: String(1000 + i * 1), name }));
    all.push({ guildId: "10000000000001005", name: "Pub" }, { guildId: "20000000000001005", name: "Pub" });
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let round = 0; round < 200; round++) {
      const order = [...all].sort(() => random() - 0.5);
      const book = new ShortIdBook(settings);
      const present = new Map<string, string>();
      const check = (moved: string[], what: string) => {
        const want = shortIds([...present].map(([guildId, name]) => ({ guildId, name })), settings);
        for (const guildId of present.keys()) assert.equal(book.get(guildId), want.get(guildId), `${what}: guild ${guildId}`);
        for (const guildId of moved) assert.ok(present.has(guildId), `${what}: moved ${guildId} is present`);
      };
      for (const g of order) {
        present.set(g.guildId, g.name);
        check(book.set(g.guildId, g.name), `add ${g.guildId}`);
        if (random() < 0.15) {
          const [gone] = [...present.keys()].sort(() => random() - 0.5);
          present.delete(gone!);
          check(book.delete(gone!), `delete ${gone}`);
        }
        if (present.size > 0 && random() < 0.1) {
          const [renamed] = [...present.keys()].sort(() => random() - 0.5);
          present.set(renamed!, "Pub");
          check(book.set(renamed!, "Pub"), `rename ${renamed}`);
        }
      }
    }
  });
});

describe("Discord GUILD_CREATE repeated for a large guild", () => {
  const town: FakeGuildInit = { id: "100000000000000001", name: "Town", members: [member("200000000000000001", "ann")], presences: {} };
  /** A dispatch after `sent` has been applied by the source, so everything sent before it was too. */
  const applied = async (fake: FakeGateway, source: DiscordSource) => {
    const uid = `20000000000000${String(Math.floor(Math.random() * 1e4)).padStart(4, "0")}`;
    fake.addMember(town.id, member(uid, "marker"));
    await until(() => uid in source.users(town.id), "the marker member");
  };

  it("keeps a loaded guild loaded and asks for its members no more", async () => {
    const { fake, source } = await connect([bigGuild(9), town], { largeThreshold: 5, chunkSize: 2 }, {}, 300);
    await until(() => source.ready(), "the source to be ready");
    assert.equal(source.requests.sent, 1);
    fake.dispatch("GUILD_CREATE", fake.guildCreate(BIG));
    await applied(fake, source);
    assert.equal(source.ready(), true, "still ready: nothing loaded was thrown away");
    assert.equal(Object.keys(source.users(BIG)).length, 9);
    assert.equal(source.requests.sent, 1, "no new member request");
  });

  it("keeps a loading guild's request and the chunks it already had, and becomes ready", async () => {
    // The interval outlasts the test: a request started over would never be answered in time.
    const { fake, source } = await connect([bigGuild(9), town], { largeThreshold: 5, chunkSize: 2 }, {}, 60_000, (fake) => fake.holdChunksAfter = 2);
    await until(() => fake.heldChunks.length === 3, "the first two chunks of five");
    fake.dispatch("GUILD_CREATE", fake.guildCreate(BIG));
    await applied(fake, source);
    assert.equal(source.ready(), false, "the members are still loading");
    fake.releaseChunks();
    await until(() => source.ready(), "the source to be ready", 5000);
    assert.equal(Object.keys(source.users(BIG)).length, 9, "the members of the chunks before the repeat are kept");
    assert.equal(source.requests.sent, 1);
  });
});
