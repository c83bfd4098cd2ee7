// A bot on the library API and producers on the ingest WebSocket, in a
// cluster: two servers in this process sharing one real redis-server. The
// bot's guild (from its getServers/getUsers callbacks) and its broadcasts
// reach viewers of the other server, in order.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, until } from "./helpers/client.ts";
import { startServer, wsURL } from "./helpers/server.ts";
import { ingestSocket, TOKEN } from "./helpers/ingest.ts";
import { RedisServer } from "./helpers/redis.ts";
import type { Server } from "../src/mod.ts";

const GUILD = "100000000000000042";
const ready = (server: Server) => until(() => server.cluster?.ready() === true, "the cluster to sync");

describe("library and ingest WebSocket in a cluster", { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let bot: Server;
  let other: Server;
  const clients: Client[] = [];

  before(async () => {
    redis = await RedisServer.start();
    bot = await startServer({
      cluster: { url: redis.url },
      callbacks: {
        getServers: () => ({ [GUILD]: { id: "botguild", name: "Bot Guild" } }),
        getUsers: () => ({ 1: { uid: "1", username: "Ada", status: "online", roleColor: "#e06c75" } }),
      },
    });
    other = await startServer({ cluster: { url: redis.url }, ingest: { token: TOKEN } });
    await ready(bot);
    await ready(other);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await bot?.stop();
    await other?.stop();
    await redis?.stop();
  });

  it("the bot's guild and broadcasts reach a viewer of the other server, in order; unknown guilds are refused", async () => {
    await until(() => other.state.get(GUILD) !== undefined, "the bot's guild on the other server");
    const { client, join } = await Client.joined(wsURL(other), "botguild");
    clients.push(client);
    assert.equal(join.data.users["1"].username, "Ada");
    for (let i = 1; i <= 100; i++) assert.equal(bot.broadcastPresence(GUILD, { uid: "1", status: "online", username: `n${i}` }), true);
    bot.broadcastMessage(GUILD, { uid: "1", message: "done", channel: "7" });
    assert.equal(bot.broadcastPresence("999", { uid: "1", status: "online" }), false);
    await until(() => client.frames.at(-1)?.type === "message", "the message after the presences");
    const names = client.drain().filter((f) => f.type === "presence").map((f) => f.data.username);
    assert.deepEqual(names, Array.from({ length: 100 }, (_, i) => `n${i + 1}`));
  });

  it("events on the ingest WebSocket of one server reach a viewer of the other", async () => {
    const { client } = await Client.joined(wsURL(bot), "botguild");
    clients.push(client);
    const socket = ingestSocket(other);
    await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
    const errors: string[] = [];
    socket.addEventListener("message", (event) => errors.push(String(event.data)));
    socket.send(JSON.stringify([
      { type: "presence", server: GUILD, data: { uid: "2", status: "idle", username: "Grace" } },
      { type: "presence", server: "999", data: { uid: "2", status: "idle" } },
    ]));
    await until(() => client.frames.some((f) => f.data?.uid === "2"), "Grace on the bot's server");
    await until(() => errors.length === 1, "the unknown guild refused");
    assert.match(errors[0]!, /no guild 999/);
    socket.close();
  });
});
