// Hostile sign-ins to passworded guilds (issue 10): tokens with control characters, a burst of
// simultaneous wrong sign-ins from one address, and a guild deleted while a sign-in to it is
// being checked. Real viewers, a real ingest API and a fake Discord API on 127.0.0.1.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client, until } from "./helpers/client.ts";
import { ingest, TOKEN } from "./helpers/ingest.ts";
import { FakeDiscord } from "./helpers/fake-discord.ts";
import { createLogger, type Server } from "../src/mod.ts";

const GUILD = "410000000000000001";
const DOOMED = "410000000000000002";
const ADA = "510000000000000001";
const failed = "Discord authentication failed. Please try logging in again.";
const tooMany = "Too many failed sign-in attempts. Please wait a minute and try again.";
const unknown = "Sorry, couldn't connect to that Discord server.";
const ada = { id: ADA, username: "Ada" };
const member = { uid: ADA, username: "Ada", status: "online", roleColor: "#336699" };

describe("hostile sign-ins", () => {
  let discord: FakeDiscord;
  let server: Server;
  let time = Date.parse("2026-01-01T00:00:00Z");
  const lines: string[] = [];
  const clients: Client[] = [];
  const viewer = async () => {
    const client = await Client.listed(wsURL(server));
    clients.push(client);
    return client;
  };
  const health = async () => await (await fetch(`${server.url}/health`)).json();

  before(async () => {
    discord = await FakeDiscord.start();
    server = await startServer({
      ingest: { token: TOKEN },
      discord: { apiBase: discord.url, timeoutMs: 10_000 },
      now: () => time,
      logger: createLogger("debug", (line) => lines.push(line)),
    });
    const put = await ingest(server, "PUT", `/servers/${GUILD}`, { id: "vault", name: "Vault", passworded: true, users: { [ADA]: member } });
    assert.equal(put.status, 201);
  });
  beforeEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    time += 61_000; // every earlier failure has left the window
    lines.length = 0;
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server.stop();
    await discord.close();
  });

  it("a token with control characters is a refused sign-in, never sent, never logged", async () => {
    const client = await viewer();
    const tokens = ["SECRET1\r\nX-Injected: 1", "SECRET2\u0000nul", "SECRET3 space", "SECRET4\u001b[31m", "SECRET5é"];
    for (const token of tokens) {
      assert.equal(await client.errorFor({ type: "connect", data: { server: "vault", discordToken: token, discordUser: ada } }), failed);
    }
    // Five refusals: the attempt after them is limited like any other refused sign-in.
    assert.equal(await client.errorFor({ type: "connect", data: { server: "vault", discordToken: "SECRET6\n", discordUser: ada } }), tooMany);
    assert.equal(discord.requests.length, 0, "no malformed token reaches Discord");
    assert.ok(!lines.some((line) => line.includes("SECRET")), lines.join("\n"));
    assert.ok(!lines.some((line) => line.includes("X-Injected")));
    assert.ok(!lines.some((line) => line.includes("Discord unavailable")), "a malformed token is not an outage");
    assert.ok(lines.some((line) => line.includes("reason=\"the token is not a bearer token\"")));
  });

  it("simultaneous wrong sign-ins from one address: at most the limit reach Discord, one log line", async () => {
    const n = 20;
    const viewers = await Promise.all(Array.from({ length: n }, viewer));
    const before = discord.requests.length;
    // Discord holds its answers back, so every sign-in is in flight at once.
    const tokens = viewers.map((_, i) => `wrong-token-${i}`);
    for (const token of tokens) discord.reply(token, { status: 401, body: { message: "401: Unauthorized" }, delayMs: 60_000 });
    const answers = viewers.map((client, i) =>
      client.errorFor({ type: "connect", data: { server: "vault", discordToken: tokens[i], discordUser: ada } })
    );
    await until(() => discord.requests.length - before >= 5, "five sign-ins at Discord");
    // The other fifteen are refused without asking Discord, before any of the five is answered.
    const settled: string[] = [];
    for (const answer of answers) answer.then((text) => settled.push(text), () => {});
    await until(() => settled.length >= n - 5, "fifteen refusals", 5000).catch(() => {});
    assert.deepEqual(settled, Array(n - 5).fill(tooMany), "refused while the five were still at Discord");
    discord.releaseHeld();
    const texts = await Promise.all(answers);
    assert.equal(discord.requests.length - before, 5, "only the limit's worth reached Discord");
    assert.equal(texts.filter((t) => t === failed).length, 5);
    assert.equal(texts.filter((t) => t === tooMany).length, n - 5);
    assert.equal(lines.filter((line) => line.includes("sign-in attempts limited")).length, 1, lines.join("\n"));
  });

  it("a guild deleted while a sign-in to it is checked is not joined, not even after it is put again", async () => {
    const put = { id: "doomed", name: "Doomed", passworded: true, users: { [ADA]: member } };
    assert.equal((await ingest(server, "PUT", `/servers/${DOOMED}`, put)).status, 201);
    discord.reply("doomed-token", { status: 200, body: { id: ADA, username: "Ada" }, delayMs: 60_000 });
    const client = await viewer();
    client.connect({ server: "doomed", discordToken: "doomed-token", discordUser: ada });
    await until(() => discord.calls("doomed-token") === 1, "the sign-in at Discord");
    assert.equal((await ingest(server, "DELETE", `/servers/${DOOMED}`)).status, 200);
    discord.releaseHeld();
    const answer = await client.next(undefined, { skip: ["server-list"] });
    assert.deepEqual(answer, { type: "error", data: { message: unknown } });
    const h = await health();
    assert.equal(h.watched, 0);
    assert.equal(h.joined, 0);
    // Put back: its events must not reach a viewer that never joined it.
    assert.equal((await ingest(server, "PUT", `/servers/${DOOMED}`, put)).status, 201);
    const event = { type: "presence", server: DOOMED, data: { uid: ADA, status: "idle" } };
    assert.equal((await ingest(server, "POST", "/events", event)).status, 200);
    // Frames arrive in order: anything sent to this viewer before this answer would be read first.
    assert.equal(await client.errorFor({ type: "connect", data: { server: "no-such-guild" } }), unknown);
    assert.deepEqual(client.drain(), []);
    assert.ok(!client.frames.some((f) => f.type === "server-join" || f.type === "presence"));
    assert.equal((await health()).joined, 0);
  });
});
