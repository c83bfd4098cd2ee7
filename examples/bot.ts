/**
 * A bot using d-back as a library. Runs on Bun and on Deno:
 *
 *   bun examples/bot.ts               deno run -A examples/bot.ts
 *
 * then open http://127.0.0.1:3000/ (or d-zone with ?socketURL=ws://127.0.0.1:3000).
 *
 * A real bot gets its guilds, members and events from Discord (e.g. with
 * discord.js, see the README); this one keeps a tiny guild in memory and
 * makes things happen on a timer, so it runs anywhere without a token.
 * In your own project, import from "d-back" instead of "../src/mod.ts".
 */
import process from "node:process";
import { createLogger, createServer, type User } from "../src/mod.ts";

const GUILD = "100000000000000042";
const CHANNEL = "100000000000000043";

// What the bot knows about its guild. Discord would tell a real bot.
const members = new Map<string, User>([
  ["1", { uid: "1", username: "Ada", status: "online", roleColor: "#e06c75" }],
  ["2", { uid: "2", username: "Grace", status: "idle", roleColor: "#61afef" }],
  ["3", { uid: "3", username: "Linus", status: "dnd", roleColor: "#98c379" }],
]);

const port = Number(process.env.DBACK_PORT ?? 3000);
const server = await createServer({ port, logger: createLogger("info") });

server
  .onGetServers(() => ({ [GUILD]: { id: "example", name: "Example Guild", default: true } }))
  .onGetUsers((guildId) => (guildId === GUILD ? Object.fromEntries(members) : {}))
  .onGetClientId(() => process.env.DISCORD_CLIENT_ID);

await server.start();

// Discord events, as a real bot would relay them.
const lines = ["hello!", "anyone around?", "shipping it", "brb"];
const statuses = ["online", "idle", "dnd"] as const;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const everyMs = Number(process.env.EXAMPLE_EVERY_MS ?? 2000);

const timer = setInterval(() => {
  const member = pick([...members.values()]);
  if (Math.random() < 0.5) {
    member.status = pick(statuses);
    server.broadcastPresence(GUILD, { uid: member.uid, status: member.status });
  } else {
    server.broadcastMessage(GUILD, { uid: member.uid, message: pick(lines), channel: CHANNEL });
  }
}, everyMs);

const stop = async () => {
  clearInterval(timer);
  await server.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
