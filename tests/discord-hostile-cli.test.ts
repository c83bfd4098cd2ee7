// The d-back command fed by a hostile Discord gateway: payloads the gateway library would choke on never end the process.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, startCli } from "./helpers/cli.ts";
import { Client, until } from "./helpers/client.ts";
import { BOT_TOKEN, pixelTown } from "./helpers/discord-world.ts";
import { FakeGateway } from "./helpers/fake-gateway.ts";

const PIXEL = "100000000000000001";
let fake: FakeGateway | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake Discord with Pixel Town and the d-back command connected to it, its guild loaded. */
async function started(level = "info") {
  fake = await FakeGateway.start({ token: BOT_TOKEN });
  fake.addGuild(pixelTown());
  const env = { DBACK_DISCORD_TOKEN: BOT_TOKEN, DBACK_DISCORD_API_BASE: fake.apiBase, DBACK_LOG_LEVEL: level };
  const running = await startCli([], env);
  await until(() => /discord guilds loaded/.test(running.log()), "the guild to load");
  return { fake, running, env, viewers: running.url.replace("http", "ws") + "/" };
}

describe("d-back against a hostile gateway", () => {
  it("drops malformed READY, op 9 and HELLO payloads with one line each, and keeps serving", async () => {
    const { fake, running, viewers } = await started();
    try {
      const { client } = await Client.joined(viewers);
      for (let i = 0; i < 3; i++) {
        fake.sendRaw({ op: 0, t: "READY", s: 1000 + i, d: null });
        fake.sendRaw({ op: 9, d: null });
        fake.sendRaw({ op: 10, d: { heartbeat_interval: "soon" } });
        fake.sendRaw({ op: 0, t: "PRESENCE_UPDATE", s: "x".repeat(10_000), d: {} });
        fake.sendRaw({ op: "0" });
      }
      // The same session goes on: a change after the garbage reaches the viewer.
      fake.presence(PIXEL, "200000000000000003", "dnd");
      const frame = await client.next("presence");
      assert.deepEqual(frame.data, { uid: "200000000000000003", status: "dnd", username: "carol", roleColor: "#ffffff" });
      await client.close();
      const log = running.log();
      assert.doesNotMatch(log, /Uncaught|TypeError/);
      for (const kind of ["READY", '"op 9"', '"op 10"', "PRESENCE_UPDATE", "payload"]) {
        assert.equal(log.split(`discord gateway payload dropped event=${kind} `).length - 1, 1, `one line for ${kind}:\n${log}`);
      }
      assert.ok(!log.includes("x".repeat(100)), "what the gateway sent is not written out");
    } finally {
      const { code } = await running.stop();
      assert.equal(code, 0, running.log());
    }
  });

  it("a READY whose resume URL is not a WebSocket URL is dropped, and the next resume goes where the session's did", async () => {
    const { fake, running, viewers } = await started();
    try {
      const { client } = await Client.joined(viewers);
      fake.sendRaw({ op: 0, t: "READY", s: 1000, d: { session_id: "elsewhere", resume_gateway_url: "not a url", user: {}, guilds: [], application: {} } });
      await until(() => /payload dropped event=READY/.test(running.log()), "the READY to be dropped");
      // Before: Bun's WebSocket threw on "not a url" while reconnecting, unhandled, and the process ended.
      fake.drop();
      fake.presence(PIXEL, "200000000000000003", "dnd");
      assert.equal((await client.next("presence", { timeout: 10_000 })).data.status, "dnd");
      await client.close();
    } finally {
      const { code } = await running.stop();
      assert.equal(code, 0, running.log());
    }
  });

  it("never prints the token, even when Discord echoes it back (a REST error body, a bot named like it)", async () => {
    const { fake, running, env } = await started("debug");
    try {
      fake.dispatch("READY", {
        user: { id: "900000000000000002", username: BOT_TOKEN.slice(0, 100) },
        guilds: [{ id: PIXEL }],
        session_id: "session-x",
        resume_gateway_url: `ws://127.0.0.1:${fake.ws.port}`,
        application: { id: "900000000000000001" },
      });
      await until(() => /discord session renewed/.test(running.log()), "the echoed READY");
    } finally {
      await running.stop();
    }
    fake.rest.route("GET", "/gateway/bot", (auth) => ({ status: 400, body: { message: `bad request, you sent Authorization: ${auth}`, code: 50035 } }));
    const refused = await runCli(["--port", "0"], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /cannot reach Discord's gateway .*\[token\]/);
    for (const text of [running.log(), refused.stdout + refused.stderr]) {
      for (const part of BOT_TOKEN.split(".")) assert.ok(!text.includes(part), `a part of the token was printed:\n${text}`);
    }
  });
});
