// A buggy or hostile Discord gateway: d-back keeps serving, viewers get only valid frames, bad payloads are logged once.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { Client, sleep, until } from "./helpers/client.ts";
import { type MemberRequest, MemberRequests } from "../src/sources/discord/member-requests.ts";
import { wsURL } from "./helpers/server.ts";
import { member, pixelTown, startDiscord } from "./helpers/discord-world.ts";
import { createLogger } from "../src/mod.ts";
import { MessageData, PresenceData } from "../src/protocol/events.ts";
import { User } from "../src/protocol/user.ts";

const PIXEL = "100000000000000001";
const CAROL = "200000000000000003";
let running: Awaited<ReturnType<typeof startDiscord>> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** A logger that keeps its lines. */
function captured() {
  const lines: string[] = [];
  return { lines, logger: createLogger("info", (line) => lines.push(line)) };
}

/** Every frame a viewer got is one d-zone can draw. */
function assertValid(client: Client): void {
  for (const f of client.frames) {
    if (f.type === "presence") v.parse(PresenceData, f.data);
    else if (f.type === "message") v.parse(MessageData, f.data);
    else if (f.type === "server-join") for (const u of Object.values(f.data.users)) v.parse(User, u);
  }
}

describe("a hostile Discord gateway", () => {
  it("leaves out a bad member or role, not the guild or chunk that carries it", async () => {
    const log = captured();
    // Guilds past 3 members are large: their members come in chunks.
    running = await startDiscord([pixelTown()], { largeThreshold: 3 }, { logger: log.logger });
    const { fake, server } = running;
    const SMALL = "100000000000000002";
    const LARGE = "100000000000000003";
    const bad = member("200000000000000099", "n".repeat(10_000));
    fake.join({ id: SMALL, name: "Small", members: [member("200000000000000010", "erin"), bad], roles: [{ id: "300000000000000010", name: "Loud", color: 0x1000000, position: 1 }] });
    fake.join({ id: LARGE, name: "Large", members: [1, 2, 3, 4].map((i) => member(`20000000000000002${i}`, `m${i}`)).concat(bad) });
    await until(() => server.world.source.ready!() && server.state.size === 3, "both guilds");
    const small = await Client.joined(wsURL(server), "small");
    const large = await Client.joined(wsURL(server), "large");
    await small.client.close();
    await large.client.close();
    assert.deepEqual(Object.keys(small.join.data.users), ["200000000000000010"]);
    assert.deepEqual(Object.keys(large.join.data.users).sort(), ["200000000000000021", "200000000000000022", "200000000000000023", "200000000000000024"]);
    assertValid(small.client);
    const lines = log.lines.filter((l) => l.includes("discord event items left out"));
    assert.ok(lines.some((l) => /event=GUILD_CREATE items=2 problem="color must be <=16777215"/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /event=GUILD_MEMBERS_CHUNK items=1 /.test(l)), lines.join("\n"));
  });

  it("logs a stream of broken dispatches once per event, skips them, and goes on", async () => {
    const log = captured();
    running = await startDiscord([pixelTown()], {}, { logger: log.logger });
    const { fake, server } = running;
    const { client } = await Client.joined(wsURL(server));
    try {
      for (let i = 0; i < 300; i++) {
        fake.dispatch("PRESENCE_UPDATE", { user: { id: "x".repeat(5000) }, guild_id: PIXEL, status: "online" });
        fake.dispatch("GUILD_ROLE_UPDATE", { guild_id: PIXEL, role: { id: "300000000000000001", color: -1 } });
        fake.dispatch("MESSAGE_CREATE", null);
      }
      // Well-formed, but about guilds, requests and roles d-back does not know: nothing happens, nothing is logged.
      fake.dispatch("PRESENCE_UPDATE", { user: { id: CAROL }, guild_id: "999", status: "online" });
      fake.dispatch("MESSAGE_CREATE", { guild_id: "999", channel_id: "1", author: { id: CAROL }, content: "hi" });
      fake.dispatch("GUILD_MEMBERS_CHUNK", { guild_id: PIXEL, members: [member("200000000000000099", "zed")], chunk_index: 0, chunk_count: 1, nonce: "x" });
      fake.dispatch("GUILD_DELETE", { id: "12345" });
      fake.dispatch("GUILD_ROLE_DELETE", { guild_id: PIXEL, role_id: "777" });
      fake.dispatch("GUILD_ROLE_UPDATE", { guild_id: "999", role: { id: "777", color: 0 } });
      fake.dispatch("GUILD_CREATE", fake.guildCreate(PIXEL));
      fake.presence(PIXEL, CAROL, "dnd");
      assert.deepEqual((await client.next("presence")).data, { uid: CAROL, status: "dnd", username: "carol", roleColor: "#ffffff" });
      assert.deepEqual(client.drain(), []);
      const refused = log.lines.filter((l) => l.includes("discord event not applied"));
      assert.equal(refused.length, 3, refused.join("\n"));
      assert.ok(refused.every((l) => l.length < 400 && !l.includes("xxxxxxxxxx")), "what the gateway sent is not written out");
    } finally {
      await client.close();
    }
  });

  it("keeps no status for people who are not members, and forgets deleted channels", async () => {
    running = await startDiscord([pixelTown()]);
    const { fake, server } = running;
    const roster = (server.world.source as unknown as { rosters: Map<string, { statuses: Map<string, unknown>; channels: Map<string, string> }> })
      .rosters.get(PIXEL)!;
    const before = roster.statuses.size;
    for (let i = 0; i < 200; i++) fake.dispatch("PRESENCE_UPDATE", { user: { id: String(5_000_000 + i) }, guild_id: PIXEL, status: "online" });
    fake.dispatch("THREAD_CREATE", { id: "400000000000000009", guild_id: PIXEL, name: "a thread" });
    fake.dispatch("THREAD_DELETE", { id: "400000000000000009", guild_id: PIXEL, parent_id: "400000000000000001", type: 11 });
    fake.presence(PIXEL, CAROL, "idle");
    await until(() => roster.statuses.get(CAROL) === "idle", "the last presence");
    assert.equal(roster.statuses.size, before);
    assert.deepEqual([...roster.channels.keys()], ["400000000000000001"]);
  });

  it("shows the start of an enormous message with thousands of mentions", async () => {
    running = await startDiscord([pixelTown()]);
    const { fake, server } = running;
    const { client } = await Client.joined(wsURL(server));
    try {
      const mentions = Array.from({ length: 5000 }, (_, i) => ({ id: String(10_000 + i), username: "m".repeat(200) }));
      fake.message(PIXEL, CAROL, "<@10000>".repeat(200_000), "400000000000000001", { mentions });
      fake.message(PIXEL, CAROL, "\u{1F600}".repeat(400) + "tail", "400000000000000001");
      const first = (await client.next("message")).data;
      assert.equal([...first.message].length, 300);
      assert.ok(first.message.startsWith("@mmm") && first.message.endsWith("…"));
      const second = (await client.next("message")).data;
      assert.equal(second.message, "\u{1F600}".repeat(299) + "…");
      assertValid(client);
    } finally {
      await client.close();
    }
  });

  it("a RATE_LIMITED with an absurd retry_after does not turn into a request loop", async () => {
    const sent: MemberRequest[] = [];
    const requests = new MemberRequests((r) => sent.push(r), 30_000);
    try {
      requests.request("1");
      requests.rateLimited("1", 1e10);
      // A timer past 2^31 - 1 ms fires after 1 ms: the guild would be asked again (and refused again) at once.
      await sleep(50);
      assert.equal(sent.length, 1);
    } finally {
      requests.reset();
    }
  });

  it("opens one shard even when /gateway/bot recommends more (member requests only go to shard 0)", async () => {
    running = await startDiscord([pixelTown()], {}, {}, (fake) => {
      fake.rest.route("GET", "/gateway/bot", () => ({
        body: {
          url: `ws://127.0.0.1:${fake.ws.port}`,
          shards: 3,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      }));
    });
    const identifies = running.fake.sent(2) as { shard: [number, number] }[];
    assert.deepEqual(identifies.map((d) => d.shard), [[0, 1]]);
  });
});
