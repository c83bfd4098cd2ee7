// The d-back command with DBACK_DISCORD_TOKEN against the fake Discord: fatal answers stop it with one line and exit 2.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, startCli } from "./helpers/cli.ts";
import { Client, until } from "./helpers/client.ts";
import { BOT_TOKEN, pixelTown } from "./helpers/discord-world.ts";
import { FakeGateway } from "./helpers/fake-gateway.ts";
import { closedPort } from "./helpers/fake-discord.ts";
import { configFolder } from "./helpers/config.ts";

let fake: FakeGateway | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const env = (token = BOT_TOKEN) => ({ DBACK_DISCORD_TOKEN: token, DBACK_DISCORD_API_BASE: fake!.apiBase, DBACK_LOG_LEVEL: "debug" });

/** Every part of the token that could identify it, none of which may appear in output. */
const assertNoToken = (text: string) => {
  for (const part of BOT_TOKEN.split(".")) assert.ok(!text.includes(part), "the token (or a part of it) was printed");
};

describe("d-back with a Discord bot token", () => {
  it("serves the bot's guilds, and never prints the token", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.addGuild(pixelTown());
    const running = await startCli([], env());
    try {
      await until(() => /discord guilds loaded guilds=1 members=4/.test(running.log()), "the guild to load");
      const { client, list, join } = await Client.joined(running.url.replace("http", "ws") + "/");
      await client.close();
      assert.deepEqual(Object.keys(list.data), ["100000000000000001"], "the mock world is off");
      assert.equal(join.data.serverName, "Pixel Town");
    } finally {
      const { code } = await running.stop();
      assert.equal(code, 0);
    }
    assertNoToken(running.log());
    assert.match(running.log(), /discord ready/);
  });

  it("a refused token (401 from /gateway/bot) stops it with one line and exit code 2", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    const wrong = BOT_TOKEN.replace("abc", "xyz");
    const { code, stdout, stderr } = await runCli(["--port", "0"], env(wrong));
    assert.equal(code, 2);
    assert.equal(stderr.trim().split("\n").filter((l) => l.startsWith("d-back:")).length, 1);
    assert.match(stderr, /^d-back: .*the token is wrong/m);
    assertNoToken(stdout + stderr);
    assert.ok(!stderr.includes(wrong.split(".")[2]!));
  });

  it("a refused identify (4004) stops it with exit code 2", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.closeOnIdentify = 4004;
    const { code, stderr } = await runCli(["--port", "0"], env());
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^d-back: .*the token is wrong/m);
    assertNoToken(stderr);
  });

  it("refused privileged intents (4014) name the ones to switch on, from the application's flags", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN, flags: 1 << 18 });
    const { code, stderr } = await runCli(["--port", "0"], env());
    assert.equal(code, 2, stderr);
    const line = stderr.split("\n").find((l) => l.startsWith("d-back:"))!;
    assert.match(line, /switch on Presence Intent, Server Members Intent under Privileged Gateway Intents/);
    assert.match(line, /applications\/900000000000000001\/bot/);
    assert.ok(!line.includes("Message Content"), "that one is on");
    assertNoToken(stderr);
  });

  it("logs the invite URL once when the bot is in no guild", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    const running = await startCli([], env());
    try {
      await until(() => /in no guild/.test(running.log()), "the invite line");
      fake.invalidate(false);
      await until(() => fake!.received.filter((r) => r.op === 2).length === 2, "a second identify");
      await until(() => /discord session renewed/.test(running.log()), "the second READY");
    } finally {
      await running.stop();
    }
    const lines = running.log().split("\n").filter((l) => l.includes("oauth2/authorize"));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /client_id=900000000000000001&scope=bot&permissions=1024/);
  });

  it("refuses a token that is not shaped like one without echoing it, and says when Discord cannot be reached", async () => {
    const bad = await runCli(["--discord-token", "not-a-token-but-a-secret"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--discord-token/);
    assert.ok(!bad.stderr.includes("not-a-token-but-a-secret"));
    const down = await runCli(["--port", "0"], { DBACK_DISCORD_TOKEN: BOT_TOKEN, DBACK_DISCORD_API_BASE: `http://127.0.0.1:${await closedPort()}/api/v10` });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^d-back: cannot reach Discord's gateway/m);
    assertNoToken(down.stderr);
  });

  it("takes the guilds' settings from the config file's discord section", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.addGuild(pixelTown());
    const folder = configFolder();
    const file = folder.write("d-back.json", { discord: { hideBots: false, guilds: { "100000000000000001": { id: "town" } } } });
    const running = await startCli(["--config", file], env());
    try {
      await until(() => /discord guilds loaded/.test(running.log()), "the guild to load");
      const { client, list, join } = await Client.joined(running.url.replace("http", "ws") + "/", "town");
      await client.close();
      assert.equal(list.data["100000000000000001"].id, "town");
      assert.ok("200000000000000004" in join.data.users, "the bot is shown");
    } finally {
      await running.stop();
      folder.remove();
    }
  });
});
