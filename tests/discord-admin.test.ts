// What a Discord server admin sees on the terminal when running d-back with a bot token goes less than well.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, startCli } from "./helpers/cli.ts";
import { until } from "./helpers/client.ts";
import { BOT_TOKEN, pixelTown } from "./helpers/discord-world.ts";
import { FakeGateway } from "./helpers/fake-gateway.ts";
import { inviteUrl } from "../src/sources/discord/invite.ts";
import { configFolder } from "./helpers/config.ts";
import { createServer, type Socket } from "node:net";
import { GatewaySession } from "../src/sources/discord/gateway.ts";
import { createLogger } from "../src/log.ts";

let fake: FakeGateway | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const env = () => ({ DBACK_DISCORD_TOKEN: BOT_TOKEN, DBACK_DISCORD_API_BASE: fake!.apiBase });
const assertNoToken = (text: string) => {
  for (const part of BOT_TOKEN.split(".")) assert.ok(!text.includes(part), "the token (or a part of it) was printed");
};

describe("a Discord server admin", () => {
  it("learns from --help where the token comes from, which intents to switch on, how to invite the bot, and the exit codes", async () => {
    const { code, stdout } = await runCli(["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /https:\/\/discord\.com\/developers\/applications/);
    assert.match(stdout, /Reset Token/);
    for (const intent of ["Presence Intent", "Server Members Intent", "Message Content Intent"]) assert.ok(stdout.includes(intent), intent);
    assert.ok(stdout.includes(inviteUrl("APPLICATION_ID")), "the invite URL");
    assert.match(stdout, /DBACK_DISCORD_TOKEN='[^']+' d-back/);
    assert.match(stdout, /Exit codes: 0 .*\n?.* 1 .*\n?.* 2 /);
  });

  it("is told what is wrong with a token pasted with a slip, in one line that never repeats it", async () => {
    const slips: [string, RegExp][] = [
      [`Bot ${BOT_TOKEN}`, /leave out the "Bot " in front/],
      [`'${BOT_TOKEN}'`, /leave out the quotes/],
      [`${BOT_TOKEN}\r`, /a space or a line break/],
      ["f3a9c1d2e4b5a6978877665544332211", /no dots \(the client secret/],
    ];
    for (const [value, hint] of slips) {
      const { code, stdout, stderr } = await runCli(["--port", "0"], { DBACK_DISCORD_TOKEN: value });
      assert.equal(code, 2);
      const lines = stderr.trim().split("\n");
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!, /^d-back: DBACK_DISCORD_TOKEN \(--discord-token\) must be a bot token/);
      assert.match(lines[0]!, hint);
      assertNoToken(stdout + stderr);
      assert.ok(!stderr.includes("f3a9c1d2e4b5"), "the secret was printed");
    }
  });

  it("is told, when no token reached d-back (unset, empty, not exported), that the mock world is what the page shows", async () => {
    for (const env of [{}, { DBACK_DISCORD_TOKEN: "" }] as Record<string, string>[]) {
      const running = await startCli([], env);
      await running.stop();
      assert.match(running.log(), /INFO no Discord bot token \(DBACK_DISCORD_TOKEN\): serving the mock world/);
    }
    const mock = await startCli(["--mock"]);
    await mock.stop();
    assert.doesNotMatch(mock.log(), /no Discord bot token/, "--mock asked for it");
  });

  it("is told which guilds of discord.only the bot is not in (a typo, or not invited), not left with an empty page", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.addGuild(pixelTown());
    const folder = configFolder();
    const file = folder.write("d-back.json", { discord: { only: ["100000000000000009", "100000000000000001", "100000000000000008"] } });
    const running = await startCli(["--config", file], env());
    try {
      await until(() => /discord guilds loaded guilds=1/.test(running.log()), "the listed guild to load");
    } finally {
      await running.stop();
      folder.remove();
    }
    const lines = running.log().split("\n").filter((l) => l.includes("not in"));
    assert.equal(lines.length, 1, running.log());
    assert.match(lines[0]!, /WARN .*discord\.only.* guilds=100000000000000009,100000000000000008 /);
    assert.ok(lines[0]!.includes(inviteUrl("900000000000000001")), "how to add it");
  });

  it("is told, by name, when the bot is added to or removed from a guild, and how to add it again once it is in none", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.addGuild(pixelTown());
    const running = await startCli([], env());
    try {
      await until(() => /discord guilds loaded guilds=1/.test(running.log()), "the guild to load");
      fake.join({ id: "100000000000000005", name: "Late Joiners" });
      await until(() => /discord guild joined/.test(running.log()), "the join");
      fake.leave("100000000000000005");
      fake.leave("100000000000000001");
      await until(() => /discord guild left/.test(running.log()), "the leave");
      await until(() => /in no guild now/.test(running.log()), "the invite line");
    } finally {
      await running.stop();
    }
    assert.match(running.log(), /INFO discord guild joined guild=100000000000000005 name="Late Joiners"/);
    assert.equal(running.log().match(/guild joined/g)!.length, 1, "the guilds READY named are not 'joined'");
    assert.match(running.log(), /INFO discord guild left guild=100000000000000001 name="Pixel Town"/);
    const line = running.log().split("\n").find((l) => l.includes("in no guild now"))!;
    assert.ok(line.includes(inviteUrl("900000000000000001")), line);
  });

  it("is told when Discord rate limits d-back at start (429), instead of a silent wait, and the guilds still come", async () => {
    fake = await FakeGateway.start({ token: BOT_TOKEN });
    fake.addGuild(pixelTown());
    let refused = 0;
    const port = fake.ws.port;
    fake.rest.route("GET", "/gateway/bot", () =>
      refused++ < 1
        ? { status: 429, body: { message: "You are being rate limited.", retry_after: 1, global: false }, headers: { "Retry-After": "1" } }
        : { body: { url: `ws://127.0.0.1:${port}`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 1, max_concurrency: 1 } } });
    const running = await startCli([], env());
    try {
      await until(() => /discord guilds loaded guilds=1/.test(running.log()), "the guild to load");
    } finally {
      await running.stop();
    }
    const line = running.log().split("\n").find((l) => /rate limit/i.test(l));
    assert.ok(line, `no line about the rate limit in:\n${running.log()}`);
    assert.match(line, /WARN .*gateway\/bot.*retryAfter=1/);
    assertNoToken(running.log());
  });

  it("is told while Discord does not answer at start, and then that it did not answer, not 'the operation was aborted'", async () => {
    const sockets = new Set<Socket>();
    const blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
    const port = (blackhole.address() as { port: number }).port;
    const lines: string[] = [];
    const session = new GatewaySession({
      token: BOT_TOKEN,
      apiBase: `http://127.0.0.1:${port}/api/v10`,
      log: createLogger("info", (line) => lines.push(line)),
      timeoutMs: 200,
      onDispatch() {},
      onFatal() {},
    });
    try {
      await assert.rejects(session.start(), (error: Error) => {
        assert.match(error.message, /^cannot reach Discord's gateway \(GET http:\/\/127\.0\.0\.1:\d+\/api\/v10\/gateway\/bot\): no answer within 0\.2 s, 4 tries$/);
        return true;
      });
    } finally {
      await session.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    }
    assert.equal(lines.filter((l) => /WARN Discord has not answered yet, still trying/.test(l)).length, 1, lines.join("\n"));
    assertNoToken(lines.join("\n"));
  });
});
