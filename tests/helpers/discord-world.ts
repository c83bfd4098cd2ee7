import { FakeGateway, type FakeGatewayOptions, type FakeGuildInit, type FakeMember } from "./fake-gateway.ts";
import { startServer } from "./server.ts";
import type { Server, ServerOptions } from "../../src/mod.ts";
import { until } from "./client.ts";

/** A bot token shaped like the Developer Portal's, made for tests. */
export const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GtEsT1.abcdefghijklmnopqrstuvwxyz0123456789AB";

export const member = (id: string, username: string, extra: Partial<FakeMember> & { global_name?: string; bot?: boolean } = {}): FakeMember => ({
  user: { id, username, global_name: extra.global_name ?? null, ...(extra.bot ? { bot: true } : {}) },
  nick: extra.nick ?? null,
  roles: extra.roles ?? [],
});

/**
 * "Pixel Town": a small guild with two coloured roles, a member with a nick,
 * one with a display name, a bot, and statuses of every kind.
 */
export const pixelTown = (): FakeGuildInit => ({
  id: "100000000000000001",
  name: "Pixel Town",
  roles: [
    { id: "300000000000000001", name: "Mods", color: 0xe91e63, position: 2 },
    { id: "300000000000000002", name: "Regulars", color: 0x3498db, position: 1 },
    { id: "300000000000000003", name: "Plain", color: 0, position: 3 },
  ],
  members: [
    member("200000000000000001", "alice", { nick: "Ally", roles: ["300000000000000002", "300000000000000001", "300000000000000003"] }),
    member("200000000000000002", "bob", { global_name: "Bobby", roles: ["300000000000000002"] }),
    member("200000000000000003", "carol"),
    member("200000000000000004", "helper-bot", { bot: true }),
  ],
  presences: { "200000000000000001": "online", "200000000000000002": "idle", "200000000000000003": "invisible", "200000000000000004": "online" },
  channels: [{ id: "400000000000000001", name: "general" }],
});

/** A fake Discord and a d-back connected to it as the bot; resolves once the source is ready. */
export async function startDiscord(
  guilds: FakeGuildInit[],
  options: Partial<FakeGatewayOptions> = {},
  server: ServerOptions = {},
  prepare: (fake: FakeGateway) => void = () => {},
): Promise<{ fake: FakeGateway; server: Server; stop(): Promise<void> }> {
  const fake = await FakeGateway.start({ token: BOT_TOKEN, ...options });
  for (const g of guilds) fake.addGuild(g);
  prepare(fake);
  const { discordBot, ...rest } = server;
  const started = await startServer({
    discord: { apiBase: fake.apiBase },
    ...rest,
    discordBot: { token: BOT_TOKEN, memberRequestIntervalMs: 300, ...discordBot },
  });
  await until(() => started.world.source.ready?.() ?? true, "the Discord source to be ready");
  return {
    fake,
    server: started,
    async stop() {
      await started.stop();
      await fake.close();
    },
  };
}
