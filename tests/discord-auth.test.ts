// Passworded guilds signed into with Discord, checked by d-back against a fake Discord API on
// 127.0.0.1 (real HTTP): every outcome, the token cache, Discord's 429s, the limit on failures,
// legacy passwords, and that no token or password ever reaches a frame or a log line.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client } from "./helpers/client.ts";
import { ingest, TOKEN } from "./helpers/ingest.ts";
import { closedPort, FakeDiscord } from "./helpers/fake-discord.ts";
import { startCli } from "./helpers/cli.ts";
import { createLogger, type Server } from "../src/mod.ts";

const GUILD = "400000000000000001";
const OPEN = "400000000000000002";
const ADA = "500000000000000001";
const BOB = "500000000000000002";
const EVE = "500000000000000666"; // not a member
const PASSWORD = "correct-horse-battery-staple";
const failed = "Discord authentication failed. Please try logging in again.";
const required = "This server requires Discord authentication. Please login with Discord.";
const tooMany = "Too many failed sign-in attempts. Please wait a minute and try again.";
/** Signs in to the vault with a token that must be refused, and returns the error text. */
const refusal = (client: Client, tokenValue: string, user: object) =>
  client.errorFor({ type: "connect", data: { server: "vault", discordToken: tokenValue, discordUser: user } });

const member = (uid: string, username: string) => ({ uid, username, status: "online" as const, roleColor: "#336699" });
const ada = { id: ADA, username: "Ada" };
const bob = { id: BOB, username: "Bob" };
const eve = { id: EVE, username: "Eve" };

/** Every secret the suite uses: none may appear in a frame sent to a viewer or in a log line. */
const secrets: string[] = [PASSWORD];
const token = (name: string) => {
  const value = `secret-token-${name}-${secrets.length}-Zq8`;
  secrets.push(value);
  return value;
};

describe("Discord sign-in checked by d-back", () => {
  let discord: FakeDiscord;
  let server: Server;
  let time = Date.parse("2026-01-01T00:00:00Z");
  const lines: string[] = [];
  const frames: string[] = [];
  const clients: Client[] = [];

  const viewer = async () => {
    const client = await Client.open(wsURL(server));
    clients.push(client);
    await client.next("server-list");
    return client;
  };
  const signIn = (client: Client, tokenValue: string, user: object) =>
    client.connect({ server: "vault", discordToken: tokenValue, discordUser: user });

  before(async () => {
    discord = await FakeDiscord.start();
    server = await startServer({
      ingest: { token: TOKEN },
      discord: { apiBase: discord.url, timeoutMs: 200, clientId: "777000000000000001" },
      now: () => time,
      logger: createLogger("debug", (line) => lines.push(line)),
    });
    const put = await ingest(server, "PUT", `/servers/${GUILD}`, {
      id: "vault",
      name: "Vault",
      passworded: true,
      password: PASSWORD,
      users: { [ADA]: member(ADA, "Ada"), [BOB]: member(BOB, "Bob") },
    });
    assert.equal(put.status, 201);
    await ingest(server, "PUT", `/servers/${OPEN}`, { id: "open", name: "Open", default: true, users: {} });
  });
  beforeEach(async () => {
    for (const client of clients.splice(0)) {
      frames.push(...client.frames.map((f) => JSON.stringify(f)));
      await client.close();
    }
    // A minute and a bit: every earlier failure has left the window.
    time += 61_000;
  });
  after(async () => {
    await server.stop();
    await discord.close();
  });

  it("lets a member in whose token Discord confirms, with the global client id", async () => {
    const t = token("ada");
    discord.user(t, ADA);
    const client = await viewer();
    signIn(client, t, ada);
    const join = await client.next("server-join");
    assert.equal(join.data.serverName, "Vault");
    assert.equal(join.data.clientId, "777000000000000001", "the guild has none of its own");
    assert.deepEqual(Object.keys(join.data.users).sort(), [ADA, BOB]);
    assert.equal(discord.calls(t), 1, "Discord was asked with the token as a bearer");
  });

  it("refuses a valid token of a user who is not a member, without asking Discord", async () => {
    const t = token("eve");
    discord.user(t, EVE);
    const client = await viewer();
    assert.equal(await refusal(client, t, eve), failed);
    assert.equal(discord.calls(t), 0);
  });

  it("refuses a token that belongs to someone else than the user d-zone names", async () => {
    const t = token("eve-as-ada");
    discord.user(t, EVE);
    const client = await viewer();
    assert.equal(await refusal(client, t, ada), failed);
    assert.equal(discord.calls(t), 1);
  });

  it("refuses a token Discord does not know (401)", async () => {
    const t = token("unknown");
    const client = await viewer();
    assert.equal(await refusal(client, t, ada), failed);
    assert.equal(discord.calls(t), 1);
  });

  it("fails, without hanging, when Discord is slower than the timeout; the connection carries on", async () => {
    const t = token("slow");
    discord.reply(t, { status: 200, body: { id: ADA }, delayMs: 2000 });
    const client = await viewer();
    assert.equal(await refusal(client, t, ada), failed);
    client.connect({ server: "open" });
    assert.equal((await client.next("server-join")).data.serverName, "Open");
    assert.ok(lines.some((l) => l.includes("WARN sign-in failed: Discord unavailable") && l.includes("within 200 ms")));
  });

  it("fails on Discord errors and answers that are not a user", async () => {
    const client = await viewer();
    for (const reply of [
      { status: 500, body: "internal error" },
      { status: 502, body: "<html>bad gateway</html>" },
      { status: 200, body: "this is not json" },
      { status: 200, body: { username: "no id" } },
      { status: 200, body: [ADA] },
      { status: 302, body: "", headers: { Location: "http://127.0.0.1:1/steal" } },
    ]) {
      const t = token("broken");
      discord.reply(t, reply);
      assert.equal(
        await refusal(client, t, ada),
        failed,
        JSON.stringify(reply),
      );
      assert.equal(discord.calls(t), 1);
      time += 61_000; // stay under the limit of failures
    }
  });

  it("remembers a confirmed token: a second sign-in makes no second call, until the memory expires", async () => {
    const t = token("cached");
    discord.user(t, BOB);
    const first = await viewer();
    signIn(first, t, bob);
    await first.next("server-join");
    const second = await viewer();
    signIn(second, t, bob);
    await second.next("server-join");
    assert.equal(discord.calls(t), 1, "the second sign-in was answered from memory");
    // Remembered or not, the token still proves only its own user.
    assert.equal(await refusal(second, t, ada), failed);
    assert.equal(discord.calls(t), 1);
    time += 301_000;
    signIn(second, t, bob);
    await second.next("server-join");
    assert.equal(discord.calls(t), 2, "after five minutes Discord is asked again");
  });

  it("asks Discord once for concurrent sign-ins with one token", async () => {
    const t = token("burst");
    discord.reply(t, { status: 200, body: { id: ADA }, delayMs: 50 });
    const viewers = await Promise.all([viewer(), viewer(), viewer()]);
    for (const client of viewers) signIn(client, t, ada);
    for (const client of viewers) await client.next("server-join");
    assert.equal(discord.calls(t), 1);
  });

  it("honours a 429: no call to Discord before Retry-After has passed", async () => {
    const limited = token("limited");
    const other = token("other");
    discord.reply(limited, { status: 429, body: { message: "You are being rate limited.", retry_after: 30, global: false }, headers: { "Retry-After": "30" } });
    discord.user(other, BOB);
    const client = await viewer();
    assert.equal(await refusal(client, limited, ada), failed);
    assert.equal(discord.calls(limited), 1);
    discord.user(limited, ADA);
    time += 29_000;
    assert.equal(await refusal(client, limited, ada), failed);
    assert.equal(await refusal(client, other, bob), failed);
    assert.equal(discord.calls(limited) + discord.calls(other), 1, "without a scope the limit holds for every token");
    time += 2_000;
    signIn(client, limited, ada);
    assert.equal((await client.next("server-join")).data.serverName, "Vault");
    assert.equal(discord.calls(limited), 2);
  });

  it("keeps a per-user 429 to that token", async () => {
    const limited = token("user-limited");
    const other = token("user-other");
    discord.reply(limited, { status: 429, body: { retry_after: 10 }, headers: { "Retry-After": "10", "X-RateLimit-Scope": "user" } });
    discord.user(other, BOB);
    const client = await viewer();
    assert.equal(await refusal(client, limited, ada), failed);
    assert.equal(await refusal(client, limited, ada), failed);
    assert.equal(discord.calls(limited), 1);
    signIn(client, other, bob);
    await client.next("server-join");
    assert.equal(discord.calls(other), 1);
  });

  it("limits failed attempts per connection and address, then refuses without asking Discord", async () => {
    const client = await viewer();
    for (let i = 0; i < 5; i++) {
      assert.equal(await refusal(client, token("guess"), ada), failed);
    }
    const good = token("good-but-late");
    discord.user(good, ADA);
    assert.equal(await refusal(client, good, ada), tooMany);
    assert.equal(await client.errorFor({ type: "connect", data: { server: "vault", password: PASSWORD } }), tooMany, "the password is not checked either");
    const neighbour = await viewer();
    assert.equal(
      await refusal(neighbour, good, ada),
      tooMany,
      "a new connection from the same address is limited too",
    );
    assert.equal(discord.calls(good), 0);
    assert.equal(lines.filter((l) => l.includes("WARN sign-in attempts limited")).length, 1, "one warning per lockout");
    neighbour.connect({ server: "open" });
    assert.equal((await neighbour.next("server-join")).data.serverName, "Open", "open guilds stay open");
    time += 61_000;
    signIn(client, good, ada);
    assert.equal((await client.next("server-join")).data.serverName, "Vault");
  });

  it("checks the legacy password; a wrong one counts as a failure", async () => {
    const client = await viewer();
    for (let i = 0; i < 5; i++) {
      assert.equal(await client.errorFor({ type: "connect", data: { server: "vault", password: `wrong-${i}` } }), required);
    }
    assert.equal(await client.errorFor({ type: "connect", data: { server: "vault", password: PASSWORD } }), tooMany);
    time += 61_000;
    client.connect({ server: "vault", password: PASSWORD });
    const join = await client.next("server-join");
    assert.equal(join.data.serverName, "Vault");
  });

  it("does not count a connect without credentials as an attempt", async () => {
    const client = await viewer();
    for (let i = 0; i < 8; i++) assert.equal(await client.errorFor({ type: "connect", data: { server: "vault" } }), required);
    client.connect({ server: "vault", password: PASSWORD });
    await client.next("server-join");
  });

  it("keeps a guild's own client id over the global one", async () => {
    await ingest(server, "POST", "/events", { type: "update-clientid", server: GUILD, data: { clientId: "888000000000000001" } });
    const client = await viewer();
    client.connect({ server: "vault", password: PASSWORD });
    assert.equal((await client.next("server-join")).data.clientId, "888000000000000001");
  });

  it("never sends a token or the password to a viewer, nor writes one to the log", async () => {
    for (const client of clients.splice(0)) frames.push(...client.frames.map((f) => JSON.stringify(f)));
    assert.ok(frames.some((f) => f.includes('"server-list"')) && frames.some((f) => f.includes('"server-join"')));
    assert.ok(lines.some((l) => l.includes("DEBUG sign-in refused")), "the log was captured at debug level");
    assert.ok(secrets.length > 20);
    for (const secret of secrets) {
      for (const frame of frames) assert.ok(!frame.includes(secret), `a frame carries a secret: ${frame.slice(0, 200)}`);
      for (const line of lines) assert.ok(!line.includes(secret), `a log line carries a secret: ${line}`);
    }
  });
});

describe("Discord down", () => {
  it("answers the failure text when nothing listens at the API address", async () => {
    const lines: string[] = [];
    const server = await startServer({
      ingest: { token: TOKEN },
      discord: { apiBase: `http://127.0.0.1:${await closedPort()}/api/v10` },
      logger: createLogger("debug", (line) => lines.push(line)),
    });
    await ingest(server, "PUT", `/servers/${GUILD}`, { id: "vault", name: "Vault", passworded: true, users: { [ADA]: member(ADA, "Ada") } });
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    const t = "secret-token-refused-connection";
    assert.equal(await refusal(client, t, ada), failed);
    assert.ok(client.isOpen);
    assert.ok(lines.some((l) => l.includes("could not be reached")), lines.join("\n"));
    assert.ok(lines.every((l) => !l.includes(t)));
    await client.close();
    await server.stop();
  });
});

describe("other sources and Discord", () => {
  let discord: FakeDiscord;
  before(async () => discord = await FakeDiscord.start());
  after(() => discord.close());

  it("the mock world accepts a well-formed sign-in without calling anything", async () => {
    const server = await startServer({ discord: { apiBase: discord.url } });
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    client.connect({ server: "oauth", discordToken: "anything", discordUser: { id: "1", username: "x" } });
    assert.equal((await client.next("server-join")).data.serverName, "OAuth2 Protected Server");
    assert.equal(discord.requests.length, 0);
    await client.close();
    await server.stop();
  });

  it("a bot without onValidateOAuth gets d-back's check; one with it decides, unless it answers undefined", async () => {
    const t = token("library");
    discord.user(t, ADA);
    const servers = { [GUILD]: { id: "vault", name: "Vault", passworded: true } };
    const users = { [ADA]: member(ADA, "Ada") };
    const plain = await startServer({ discord: { apiBase: discord.url }, callbacks: { getServers: () => servers, getUsers: () => users } });
    const a = await Client.open(wsURL(plain));
    await a.next("server-list");
    a.connect({ server: "vault", discordToken: t, discordUser: ada });
    assert.equal((await a.next("server-join")).data.serverName, "Vault");
    assert.equal(discord.calls(t), 1);
    const strict = await startServer({
      discord: { apiBase: discord.url },
      callbacks: { getServers: () => servers, getUsers: () => users, validateOAuth: () => false },
    });
    const b = await Client.open(wsURL(strict));
    await b.next("server-list");
    assert.equal(await refusal(b, t, ada), failed);
    assert.equal(discord.calls(t), 1, "the bot's answer stands; Discord is not asked");
    const deferring = await startServer({
      discord: { apiBase: discord.url },
      callbacks: { getServers: () => servers, getUsers: () => users, validateOAuth: () => undefined },
    });
    const c = await Client.open(wsURL(deferring));
    await c.next("server-list");
    c.connect({ server: "vault", discordToken: t, discordUser: ada });
    assert.equal((await c.next("server-join")).data.serverName, "Vault");
    assert.equal(discord.calls(t), 2, "a bot that answers undefined leaves the check to d-back");
    await Promise.all([a.close(), b.close(), c.close()]);
    await Promise.all([plain.stop(), strict.stop(), deferring.stop()]);
  });
});

describe("the command line", () => {
  it("takes the Discord flags, and writes no token or password to stderr at debug level", async () => {
    const discord = await FakeDiscord.start();
    const t = "secret-token-cli-Zq8";
    discord.user(t, ADA);
    const cli = await startCli(
      ["--discord-api-base", discord.url, "--discord-client-id", "777000000000000002", "--discord-timeout-ms", "500", "--sign-in-failures", "2", "--log-level", "debug"],
      { DBACK_INGEST_TOKEN: TOKEN },
    );
    try {
      const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
      const put = await fetch(`${cli.url}/api/ingest/servers/${GUILD}`, {
        method: "PUT",
        headers,
        body: JSON.stringify({ id: "vault", name: "Vault", passworded: true, password: PASSWORD, users: { [ADA]: member(ADA, "Ada") } }),
      });
      assert.equal(put.status, 201);
      await put.arrayBuffer();
      const client = await Client.open(`ws://127.0.0.1:${cli.port}/`);
      assert.doesNotMatch(JSON.stringify(await client.next("server-list")), new RegExp(PASSWORD));
      client.connect({ server: "vault", discordToken: t, discordUser: ada });
      const join = await client.next("server-join");
      assert.equal(join.data.clientId, "777000000000000002");
      assert.equal(discord.calls(t), 1);
      assert.equal(await client.errorFor({ type: "connect", data: { server: "vault", password: "nope" } }), required);
      assert.equal(await refusal(client, "secret-token-cli-bad", ada), failed);
      assert.equal(await client.errorFor({ type: "connect", data: { server: "vault", password: PASSWORD } }), tooMany, "--sign-in-failures 2");
      await client.close();
    } finally {
      const { stderr } = await cli.stop();
      await discord.close();
      assert.match(stderr, /DEBUG sign-in accepted/);
      for (const secret of [t, "secret-token-cli-bad", PASSWORD, "nope", TOKEN]) assert.ok(!stderr.includes(secret), `stderr carries ${secret}`);
    }
  });
});
