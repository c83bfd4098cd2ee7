// The guild d-zone shows when it asks for none: the configured default while the bot is in it, else the oldest (smallest id),
// whatever order Discord sends the guilds in (README, Quick start: "the oldest guild is shown first").
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, until } from "./helpers/client.ts";
import { wsURL } from "./helpers/server.ts";
import * as v from "valibot";
import { BOT_TOKEN, startDiscord } from "./helpers/discord-world.ts";
import type { FakeGuildInit } from "./helpers/fake-gateway.ts";
import { DiscordSettings } from "../src/sources/discord/guild-settings.ts";

// A 17-digit id is older than any 18-digit one (snowflakes compare as numbers).
const NEW = "100000000000000001";
const OLD = "90000000000000001";
const MIDDLE = "100000000000000000";
const guild = (id: string, name: string): FakeGuildInit => ({ id, name });

let running: Awaited<ReturnType<typeof startDiscord>> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const defaults = (list: { data: Record<string, { default: boolean }> }) => Object.keys(list.data).filter((id) => list.data[id]!.default);

const shown = async () => {
  const { client, list, join } = await Client.joined(wsURL(running!.server));
  await client.close();
  return { defaults: defaults(list), name: join.data.serverName as string };
};

describe("the default Discord guild", () => {
  it("is the oldest guild, though Discord sent a newer one first", async () => {
    running = await startDiscord([guild(NEW, "Newer"), guild(OLD, "Older")]);
    assert.deepEqual(await shown(), { defaults: [OLD], name: "Older" });
  });

  it("moves to a guild the bot joins that is older, and back to the oldest left when that one goes", async () => {
    running = await startDiscord([guild(NEW, "Newer")]);
    assert.deepEqual(await shown(), { defaults: [NEW], name: "Newer" });
    running.fake.join(guild(OLD, "Older"));
    await until(() => running!.server.state.size === 2, "the second guild");
    assert.deepEqual(await shown(), { defaults: [OLD], name: "Older" });
    running.fake.join(guild(MIDDLE, "Middle"));
    running.fake.leave(OLD);
    await until(() => running!.server.state.size === 2 && !running!.server.state.get(OLD), "the oldest to go");
    assert.deepEqual(await shown(), { defaults: [MIDDLE], name: "Middle" });
  });

  it("is the configured one while the bot is in it, the oldest while it is not", async () => {
    const settings = v.parse(DiscordSettings, { guilds: { [MIDDLE]: { default: true } } });
    running = await startDiscord([guild(NEW, "Newer"), guild(OLD, "Older")], {}, { discordBot: { token: BOT_TOKEN, settings } });
    assert.deepEqual(await shown(), { defaults: [OLD], name: "Older" });
    running.fake.join(guild(MIDDLE, "Middle"));
    await until(() => running!.server.state.size === 3, "the configured guild");
    assert.deepEqual(await shown(), { defaults: [MIDDLE], name: "Middle" });
  });
});
