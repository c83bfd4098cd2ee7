// The pieces behind passworded guilds, with a clock the tests move: failure limits per key,
// expiring memory, Retry-After handling against a fake Discord on 127.0.0.1, and World.authorize
// counting per connection and per address.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FailureLimiter } from "../src/auth/failures.ts";
import { ExpiringMap } from "../src/auth/expiring-map.ts";
import { DiscordIdentity } from "../src/auth/discord.ts";
import { secretKey } from "../src/secret.ts";
import { State } from "../src/state/state.ts";
import { World } from "../src/world.ts";
import { createLogger } from "../src/log.ts";
import type { DataSource } from "../src/sources/source.ts";
import { FakeDiscord } from "./helpers/fake-discord.ts";

describe("FailureLimiter", () => {
  it("blocks a key after its failures within the window, and frees it as they age out", () => {
    let time = 0;
    const limiter = new FailureLimiter({ failures: 3, windowMs: 60_000 }, () => time);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.blocked(["a"]), false);
      limiter.fail(["a"]);
      time += 10_000;
    }
    assert.equal(limiter.blocked(["a"]), true);
    assert.equal(limiter.blocked(["b"]), false, "keys are counted apart");
    assert.equal(limiter.blocked(["b", "a"]), true, "any blocked key blocks");
    time = 60_000; // the first failure (at 0) has left the window
    assert.equal(limiter.blocked(["a"]), false);
    limiter.fail(["a"]);
    assert.equal(limiter.blocked(["a"]), true, "the window slides: two recent failures and a new one");
  });

  it("keeps memory bounded: aged-out keys are dropped, and past the cap the oldest go", () => {
    let time = 0;
    const limiter = new FailureLimiter({ failures: 2, windowMs: 1000 }, () => time, 100);
    for (let i = 0; i < 50; i++) limiter.fail([`old-${i}`]);
    time = 5000;
    limiter.fail(["new"]);
    assert.equal(limiter.size, 1, "keys whose failures aged out are gone");
    for (let i = 0; i < 500; i++) limiter.fail([`flood-${i}`]);
    assert.equal(limiter.size, 100);
  });
});

describe("ExpiringMap", () => {
  it("forgets entries after their time to live and stays within its size", () => {
    let time = 0;
    const map = new ExpiringMap<string>(() => time, 10);
    map.set("k", "v", 1000);
    time = 999;
    assert.equal(map.get("k"), "v");
    time = 1000;
    assert.equal(map.get("k"), undefined);
    for (let i = 0; i < 30; i++) map.set(`k${i}`, "v", 1_000_000);
    assert.equal(map.size, 10);
    assert.equal(map.get("k29"), "v");
    assert.equal(map.get("k0"), undefined, "the oldest went first");
  });
});

describe("secretKey", () => {
  it("is the SHA-256 of the secret, in hex", () => {
    assert.equal(secretKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("DiscordIdentity and Retry-After", () => {
  let discord: FakeDiscord;
  let time = 0;
  before(async () => discord = await FakeDiscord.start());
  after(() => discord.close());

  /** Sees how long a 429 with `reply` stops calls: asks again at `waitMs - 1` and at `waitMs`. */
  async function pause(name: string, reply: { body?: unknown; headers?: Record<string, string> }, waitMs: number) {
    const identity = new DiscordIdentity({ apiBase: discord.url }, () => time);
    discord.reply(name, { status: 429, ...reply });
    assert.deepEqual(await identity.identify(name), { ok: false, unavailable: true, reason: `Discord rate limit (429): not asking again for ${Math.ceil(waitMs / 1000)} s` });
    discord.user(name, "42");
    time += waitMs - 1;
    assert.equal((await identity.identify(name)).ok, false);
    assert.equal(discord.calls(name), 1, `${name}: no call before ${waitMs} ms`);
    time += 1;
    assert.deepEqual(await identity.identify(name), { ok: true, id: "42", cached: false });
    assert.equal(discord.calls(name), 2);
  }

  it("reads Retry-After in seconds, fractions included", () => pause("seconds", { headers: { "Retry-After": "2.5" } }, 2500));
  it("falls back to the body's retry_after", () => pause("body", { body: { retry_after: 7 } }, 7000));
  it("waits 5 s when a 429 says nothing usable", () => pause("garbage", { headers: { "Retry-After": "soon" }, body: "<html>" }, 5000));
  it("never waits more than an hour", () => pause("huge", { headers: { "Retry-After": "99999999" } }, 3_600_000));
  it("reads Retry-After as an HTTP date", async () => {
    const identity = new DiscordIdentity({ apiBase: discord.url }, () => time);
    discord.reply("date", { status: 429, headers: { "Retry-After": new Date(Date.now() + 120_000).toUTCString() } });
    const answer = await identity.identify("date");
    assert.ok(!answer.ok && /for (119|120) s/.test(answer.reason), JSON.stringify(answer));
  });
});

describe("World.authorize counts failures per connection and per address", () => {
  const GUILD = "900000000000000001";
  const source: DataSource = {
    name: "test",
    servers: () => [{ guildId: GUILD, id: "locked", name: "Locked", passworded: true, password: "right" }],
    users: () => ({}),
  };
  const wrong = { server: "locked", password: "wrong" };
  const right = { server: "locked", password: "right" };

  async function world() {
    const limiter = new FailureLimiter({ failures: 3 }, () => 0);
    const w = new World(source, new State({ broadcast() {}, removed() {} }), createLogger("silent"), 1000, {
      discord: new DiscordIdentity({ apiBase: "http://127.0.0.1:9/never" }),
      failures: limiter,
    });
    await w.refresh();
    return { w, guild: w.state.find("locked")! };
  }
  const tooMany = "Too many failed sign-in attempts. Please wait a minute and try again.";

  it("a connection that used up its failures is refused, another one from elsewhere is not", async () => {
    const { w, guild } = await world();
    for (const address of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) {
      assert.notEqual(await w.authorize(guild, wrong, { id: 1, address }), undefined);
    }
    assert.equal(await w.authorize(guild, right, { id: 1, address: "10.0.0.4" }), tooMany, "connection 1 is out of attempts");
    assert.equal(await w.authorize(guild, right, { id: 2, address: "10.0.0.4" }), undefined);
  });

  it("an address that used up its failures is refused on every connection", async () => {
    const { w, guild } = await world();
    for (const id of [1, 2, 3]) assert.notEqual(await w.authorize(guild, wrong, { id, address: "10.0.0.1" }), undefined);
    assert.equal(await w.authorize(guild, right, { id: 4, address: "10.0.0.1" }), tooMany, "a fresh connection from that address");
    assert.equal(await w.authorize(guild, right, { id: 5, address: "10.0.0.2" }), undefined);
  });
});
