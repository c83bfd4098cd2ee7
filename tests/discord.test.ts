// The Discord gateway source against a fake Discord on 127.0.0.1: what a viewer sees is what the fake says.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, until } from "./helpers/client.ts";
import { wsURL } from "./helpers/server.ts";
import * as v from "valibot";
import { BOT_TOKEN, member, pixelTown, startDiscord } from "./helpers/discord-world.ts";
import { DiscordSettings } from "../src/sources/discord/guild-settings.ts";

const PIXEL = "100000000000000001";
let running: Awaited<ReturnType<typeof startDiscord>> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe("the Discord source", () => {
  it("shows the bot's guilds only, one default, with names, colours and statuses as Discord says", async () => {
    running = await startDiscord([pixelTown()]);
    const { client, list, join } = await Client.joined(wsURL(running.server));
    try {
      assert.deepEqual(list.data, { [PIXEL]: { id: "pixel-town", name: "Pixel Town", default: true, passworded: false } });
      assert.equal(join.data.serverName, "Pixel Town");
      assert.equal(join.data.clientId, "900000000000000001", "the bot's application id signs viewers in");
      assert.deepEqual(join.data.users, {
        "200000000000000001": { uid: "200000000000000001", username: "Ally", status: "online", roleColor: "#e91e63" },
        "200000000000000002": { uid: "200000000000000002", username: "Bobby", status: "idle", roleColor: "#3498db" },
        "200000000000000003": { uid: "200000000000000003", username: "carol", status: "offline", roleColor: "#ffffff" },
      });
    } finally {
      await client.close();
    }
  });

  it("sends viewers exactly the presences and messages that describe each change, in order", async () => {
    running = await startDiscord([pixelTown()]);
    const { fake } = running;
    const { client } = await Client.joined(wsURL(running.server));
    const next = async () => {
      const frame = await client.next();
      assert.equal(frame.server, PIXEL);
      return frame.data;
    };
    try {
      // A status change; then an activity-only change, which d-zone cannot show: nothing.
      fake.presence(PIXEL, "200000000000000003", "dnd");
      assert.deepEqual(await next(), { uid: "200000000000000003", status: "dnd", username: "carol", roleColor: "#ffffff" });
      fake.presence(PIXEL, "200000000000000003", "dnd", [{ name: "a game", type: 0 }]);
      fake.presence(PIXEL, "200000000000000001", "invisible");
      assert.deepEqual(await next(), { uid: "200000000000000001", status: "offline", username: "Ally", roleColor: "#e91e63" });

      // A join arrives offline with name and colour; a bot joining shows nothing; a nick change; a leave.
      fake.addMember(PIXEL, member("200000000000000005", "dave", { roles: ["300000000000000002"] }));
      assert.deepEqual(await next(), { uid: "200000000000000005", status: "offline", username: "dave", roleColor: "#3498db" });
      fake.addMember(PIXEL, member("200000000000000006", "other-bot", { bot: true }));
      fake.updateMember(PIXEL, "200000000000000005", { nick: "Dave the Brave" });
      assert.deepEqual(await next(), { uid: "200000000000000005", status: "offline", username: "Dave the Brave", roleColor: "#3498db" });
      fake.removeMember(PIXEL, "200000000000000002");
      assert.deepEqual(await next(), { uid: "200000000000000002", status: "offline", delete: true });

      // Roles: a colour hidden under a higher coloured role changes nothing; the top one recolours its carriers.
      fake.setRole(PIXEL, { id: "300000000000000002", name: "Regulars", color: 0x00ff00, position: 1 });
      assert.deepEqual(await next(), { uid: "200000000000000005", status: "offline", username: "Dave the Brave", roleColor: "#00ff00" });
      fake.setRole(PIXEL, { id: "300000000000000001", name: "Mods", color: 0x123456, position: 2 });
      assert.deepEqual(await next(), { uid: "200000000000000001", status: "offline", username: "Ally", roleColor: "#123456" });
      fake.deleteRole(PIXEL, "300000000000000001");
      assert.deepEqual(await next(), { uid: "200000000000000001", status: "offline", username: "Ally", roleColor: "#00ff00" });
      fake.setRole(PIXEL, { id: "300000000000000009", name: "New", color: 0xabcdef, position: 9 });

      // Messages: mentions rendered; a bot's message and an empty one send nothing; long text is cut.
      fake.message(PIXEL, "200000000000000003", "hi <@200000000000000001> see <#400000000000000001> <@&300000000000000002> <:blob:123>", "400000000000000001");
      assert.deepEqual(await next(), { uid: "200000000000000003", message: "hi @Ally see #general @Regulars :blob:", channel: "400000000000000001" });
      fake.message(PIXEL, "200000000000000004", "beep", "400000000000000001");
      fake.message(PIXEL, "200000000000000003", "", "400000000000000001");
      fake.message(PIXEL, "200000000000000003", "x".repeat(5000), "400000000000000001");
      const long = await next();
      assert.equal(long.message.length, 300);
      assert.ok(long.message.endsWith("…"));
      assert.deepEqual(client.drain(), [], "nothing else");

      // A new viewer sees the same world.
      const second = await Client.joined(wsURL(running.server));
      assert.deepEqual(Object.keys(second.join.data.users).sort(), ["200000000000000001", "200000000000000003", "200000000000000005"]);
      await second.client.close();
    } finally {
      await client.close();
    }
  });

  it("follows the guilds the bot joins, leaves and renames", async () => {
    running = await startDiscord([pixelTown()]);
    const { fake } = running;
    const { client } = await Client.joined(wsURL(running.server));
    try {
      fake.join({ id: "100000000000000002", name: "Second Place", members: [member("200000000000000010", "erin")] });
      fake.rename(PIXEL, "Pixel City");
      const state = running.server.state;
      await until(() => state.size === 2 && state.get(PIXEL)?.info.name === "Pixel City", "the join and the rename");
      const list = await Client.open(wsURL(running.server));
      const frame = await list.next("server-list");
      await list.close();
      assert.deepEqual(frame.data, {
        [PIXEL]: { id: "pixel-city", name: "Pixel City", default: true, passworded: false },
        "100000000000000002": { id: "second-place", name: "Second Place", default: false, passworded: false },
      });
      fake.leave(PIXEL);
      const gone = await client.next("error");
      assert.match(gone.data.message, /./);
      await until(() => state.size === 1, "the leave");
      const after = await Client.open(wsURL(running.server));
      const left = await after.next("server-list");
      await after.close();
      assert.deepEqual(Object.keys(left.data), ["100000000000000002"]);
      assert.equal(left.data["100000000000000002"].default, true, "exactly one default");
    } finally {
      await client.close();
    }
  });

  it("applies the guild settings: allow-list, short ids, default, password, bots shown, offline members hidden", async () => {
    const SECOND = "100000000000000002";
    const settings = v.parse(DiscordSettings, {
      only: [PIXEL, SECOND],
      hideBots: false,
      guilds: { [SECOND]: { id: "second", default: true, password: "hunter22", hideOffline: true } },
    });
    running = await startDiscord([
      pixelTown(),
      {
        id: SECOND,
        name: "Second Place",
        members: [member("200000000000000010", "erin"), member("200000000000000011", "fay")],
        presences: { "200000000000000010": "online" },
      },
      { id: "100000000000000003", name: "Not Shown", members: [member("200000000000000012", "gus")] },
    ], {}, { discordBot: { token: BOT_TOKEN, settings } });
    const { fake, server } = running;
    const town = await Client.joined(wsURL(server), "pixel-town");
    assert.deepEqual(town.list.data, {
      [PIXEL]: { id: "pixel-town", name: "Pixel Town", default: false, passworded: false },
      [SECOND]: { id: "second", name: "Second Place", default: true, passworded: true },
    });
    assert.equal(town.join.data.users["200000000000000004"].username, "helper-bot", "bots shown when asked");
    await town.client.close();

    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    client.connect({ server: "default", password: "hunter22" });
    const join = await client.next("server-join");
    try {
      assert.deepEqual(Object.keys(join.data.users), ["200000000000000010"], "offline members hidden");
      fake.presence(SECOND, "200000000000000010", "offline");
      assert.deepEqual((await client.next("presence")).data, { uid: "200000000000000010", status: "offline", delete: true });
      fake.presence(SECOND, "200000000000000011", "idle");
      assert.deepEqual((await client.next("presence")).data, { uid: "200000000000000011", status: "idle", username: "fay", roleColor: "#ffffff" });
    } finally {
      await client.close();
    }
    const source = server.world.source;
    await until(() => typeof source.status?.().latencyMs === "number", "a heartbeat ACK");
    assert.deepEqual({ ...source.status!(), latencyMs: 0 }, {
      connected: true,
      state: "ready",
      session: "open",
      latencyMs: 0,
      guilds: 2,
      loading: 0,
      memberRequests: 0,
    });
    assert.equal(source.ready!(), true);
  });

  it("keeps an unavailable guild's last picture and settles it again when it is back", async () => {
    running = await startDiscord([pixelTown()]);
    const { fake, server } = running;
    const { client } = await Client.joined(wsURL(server));
    try {
      fake.dispatch("GUILD_DELETE", { id: PIXEL, unavailable: true });
      await until(() => !server.world.source.ready!(), "the outage");
      fake.presence(PIXEL, "200000000000000003", "online");
      assert.equal(server.state.size, 1, "still shown");
      fake.quietly(() => fake.presence(PIXEL, "200000000000000002", "dnd"));
      fake.dispatch("GUILD_CREATE", { ...fake.guildCreate(PIXEL) });
      await until(() => client.frames.filter((f) => f.type === "presence").length >= 2, "the difference");
      assert.deepEqual(client.drain().map((f) => [f.data.uid, f.data.status]).sort(), [
        ["200000000000000002", "dnd"],
        ["200000000000000003", "online"],
      ]);
      assert.equal(server.world.source.ready!(), true);
    } finally {
      await client.close();
    }
  });

  it("signs viewers of a passworded guild in with the bot's own application, checked with Discord as today", async () => {
    const settings = v.parse(DiscordSettings, { guilds: { [PIXEL]: { passworded: true } } });
    running = await startDiscord([pixelTown()], {}, { discordBot: { token: BOT_TOKEN, settings } });
    running.fake.rest.user("alice-oauth-token", "200000000000000001").user("stranger-oauth-token", "299999999999999999");
    const client = await Client.open(wsURL(running.server));
    try {
      await client.next("server-list");
      client.connect({ server: "pixel-town", discordToken: "stranger-oauth-token", discordUser: { id: "299999999999999999", username: "x" } });
      assert.match((await client.next("error")).data.message, /./);
      client.connect({ server: "pixel-town", discordToken: "alice-oauth-token", discordUser: { id: "200000000000000001", username: "alice" } });
      const join = await client.next("server-join");
      assert.equal(join.data.clientId, "900000000000000001");
      assert.equal(running.fake.rest.calls("alice-oauth-token"), 1, "Discord was asked whose token it is");
      assert.equal(running.fake.rest.calls("stranger-oauth-token"), 0, "a non-member's token is never sent to Discord");
    } finally {
      await client.close();
    }
  });
});
