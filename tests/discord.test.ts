// The Discord gateway source against a fake Discord on 127.0.0.1: what a viewer sees is what the fake says.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client } from "./helpers/client.ts";
import { wsURL } from "./helpers/server.ts";
import { pixelTown, startDiscord } from "./helpers/discord-world.ts";

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
});
