// The library API, driven as a bot drives it: callbacks in, broadcasts out, real viewers watching.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client, sleep } from "./helpers/client.ts";
import { createLogger, createServer, InvalidPayloadError, type Server, type Servers, type User } from "../src/mod.ts";

const GUILD = "111111111111111111";
const OTHER = "222222222222222222";
const SECRET = "222222222222222223";

const member = (uid: string, username: string, status: User["status"] = "online"): User => ({
  uid,
  username,
  status,
  roleColor: "#123456",
});

/** A bot's world: two open guilds and one with a legacy password. */
function botData() {
  const servers: Servers = {
    [GUILD]: { id: "home", name: "Home", default: true },
    [OTHER]: { id: "other", name: "Other" },
    [SECRET]: { id: "secret", name: "Secret", passworded: true, password: "letmein" },
  };
  const users: Record<string, Record<string, User>> = {
    [GUILD]: { a: member("a", "Alice"), b: member("b", "Bob", "idle") },
    [OTHER]: { c: member("c", "Carol") },
    [SECRET]: { d: member("d", "Dave") },
  };
  return { servers, users, calls: { users: 0, servers: 0 } };
}

describe("library API", () => {
  let server: Server;
  let data: ReturnType<typeof botData>;
  before(async () => {
    data = botData();
    server = await createServer({ port: 0, logger: createLogger("silent"), sourceTimeoutMs: 300 });
    server
      .onGetServers(() => {
        data.calls.servers++;
        return data.servers;
      })
      .onGetUsers(async (guildId) => {
        data.calls.users++;
        await sleep(5);
        if (guildId === "boom") throw new Error("database down");
        return data.users[guildId] ?? {};
      })
      .onGetClientId((guildId) => (guildId === GUILD ? "client-home" : undefined))
      .onValidateOAuth((guildId, token, user) => {
        if (token === "throws") throw new Error("validator crashed");
        if (token === "hangs") return new Promise<boolean>(() => {});
        return guildId === SECRET && token === "good" && user.id === "d";
      })
      .onStaticRequest((path) => {
        if (path === "/custom.txt") return { contentType: "text/plain; charset=utf-8", body: "from the bot" };
        if (path === "/teapot") return new Response("short and stout", { status: 418 });
        if (path === "/crash") throw new Error("static handler crashed");
        return undefined;
      });
    await server.start();
  });
  after(() => server.stop());

  it("offers the bot's guilds, not the mock world, and no secret", async () => {
    const client = await Client.open(wsURL(server));
    const list = await client.next("server-list");
    assert.deepEqual(Object.keys(list.data), [GUILD, OTHER, SECRET]);
    assert.deepEqual(list.data[SECRET], { id: "secret", name: "Secret", default: false, passworded: true });
    assert.doesNotMatch(JSON.stringify(list), /letmein/);
    await client.close();
  });

  it("joins with the bot's members and client id, asking for the members once", async () => {
    const before = data.calls.users;
    const a = await Client.joined(wsURL(server), null);
    assert.deepEqual(a.join.data.users, data.users[GUILD]);
    assert.equal(a.join.data.clientId, "client-home");
    const b = await Client.joined(wsURL(server), "home");
    assert.deepEqual(b.join.data.users, data.users[GUILD]);
    assert.equal(data.calls.users - before, 1, "members are loaded once and then kept current");
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it("sends each broadcast only to the viewers of its guild", async () => {
    const home = await Client.joined(wsURL(server), "home");
    const other = await Client.joined(wsURL(server), "other");
    assert.equal(server.broadcastPresence(GUILD, { uid: "a", status: "dnd" }), true);
    assert.equal(server.broadcastMessage(GUILD, { uid: "a", message: "hi all", channel: "42" }), true);
    assert.equal(server.broadcastMessage(OTHER, { uid: "c", message: "over here", channel: "43" }), true);
    assert.deepEqual(await home.client.next("presence"), { type: "presence", server: GUILD, data: { uid: "a", status: "dnd" } });
    assert.deepEqual(await home.client.next("message"), {
      type: "message",
      server: GUILD,
      data: { uid: "a", message: "hi all", channel: "42" },
    });
    assert.deepEqual(await other.client.next("message"), {
      type: "message",
      server: OTHER,
      data: { uid: "c", message: "over here", channel: "43" },
    });
    await sleep(50);
    assert.deepEqual(home.client.drain(), [], "nothing from the other guild");
    assert.deepEqual(other.client.drain(), [], "nothing from the first guild");
    await Promise.all([home.client.close(), other.client.close()]);
  });

  it("keeps members current from presence broadcasts: join, change, leave", async () => {
    server.broadcastPresence(GUILD, { uid: "n", status: "online", username: "Newcomer", roleColor: "#abcdef" });
    server.broadcastPresence(GUILD, { uid: "b", status: "offline", delete: true });
    server.broadcastPresence(GUILD, { uid: "a", status: "idle", username: "Alice2" });
    const { client, join } = await Client.joined(wsURL(server), "home");
    assert.deepEqual(join.data.users.n, { uid: "n", username: "Newcomer", status: "online", roleColor: "#abcdef" });
    assert.equal(join.data.users.b, undefined);
    assert.deepEqual(join.data.users.a, { uid: "a", username: "Alice2", status: "idle", roleColor: "#123456" });
    await client.close();
  });

  it("broadcasts a client id change and serves it to later joins", async () => {
    const { client } = await Client.joined(wsURL(server), "home");
    assert.equal(server.broadcastClientId(GUILD, "client-new"), true);
    assert.deepEqual(await client.next("update-clientid"), {
      type: "update-clientid",
      server: GUILD,
      data: { clientId: "client-new" },
    });
    const later = await Client.joined(wsURL(server), "home");
    assert.equal(later.join.data.clientId, "client-new");
    await Promise.all([client.close(), later.client.close()]);
  });

  it("refuses a malformed broadcast with an error naming the field, and an unknown guild with false", () => {
    assert.throws(() => server.broadcastPresence(GUILD, { uid: "a", status: "asleep" as "idle" }), (e: Error) => {
      assert.ok(e instanceof InvalidPayloadError);
      assert.match(e.message, /^broadcastPresence: status must be online, idle, dnd or offline$/);
      return true;
    });
    assert.throws(() => server.broadcastMessage(GUILD, { uid: "a", message: 5 as unknown as string, channel: "1" }), /message must be a string/);
    assert.throws(() => server.broadcastPresence(GUILD, { uid: "a", status: "idle", roleColor: "red" }), /roleColor must look like #rrggbb/);
    assert.throws(() => server.broadcastClientId(GUILD, ""), /clientId must not be empty/);
    assert.equal(server.broadcastMessage("999", { uid: "a", message: "x", channel: "1" }), false);
  });

  it("checks a passworded guild with the bot's validator or the legacy password", async () => {
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    const user = { id: "d", username: "Dave" };
    assert.equal(
      await client.errorFor({ type: "connect", data: { server: "secret", discordToken: "bad", discordUser: user } }),
      "Discord authentication failed. Please try logging in again.",
    );
    assert.equal(
      await client.errorFor({ type: "connect", data: { server: "secret", password: "wrong" } }),
      "This server requires Discord authentication. Please login with Discord.",
    );
    client.connect({ server: "secret", discordToken: "good", discordUser: user });
    assert.equal((await client.next("server-join")).data.serverName, "Secret");
    client.connect({ server: "secret", password: "letmein" });
    const join = await client.next("server-join");
    assert.doesNotMatch(JSON.stringify(join), /letmein/, "the password is never echoed");
    await client.close();
  });

  it("turns a throwing or hanging callback into a clear error, and the connection lives on", async () => {
    const client = await Client.open(wsURL(server));
    await client.next("server-list");
    const user = { id: "d", username: "Dave" };
    const failed = "The server could not load that Discord server right now. Please try again.";
    assert.equal(await client.errorFor({ type: "connect", data: { server: "secret", discordToken: "throws", discordUser: user } }), failed);
    assert.equal(await client.errorFor({ type: "connect", data: { server: "secret", discordToken: "hangs", discordUser: user } }), failed);
    data.servers.boom = { id: "boom", name: "Boom" };
    assert.equal(await client.errorFor({ type: "connect", data: { server: "boom" } }), failed);
    delete data.servers.boom;
    client.connect({ server: "other" });
    assert.equal((await client.next("server-join")).data.serverName, "Other");
    await client.close();
  });

  it("picks up guilds the bot adds later, when a viewer asks for one", async () => {
    data.servers["333"] = { id: "late", name: "Late" };
    data.users["333"] = { z: member("z", "Zed") };
    const { join, client } = await Client.joined(wsURL(server), "late");
    assert.equal(join.data.serverName, "Late");
    await client.close();
  });

  it("lets the bot answer static requests first", async () => {
    const custom = await fetch(server.url + "/custom.txt");
    assert.equal(custom.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(await custom.text(), "from the bot");
    const teapot = await fetch(server.url + "/teapot");
    assert.equal(teapot.status, 418);
    await teapot.arrayBuffer();
    const crash = await fetch(server.url + "/crash");
    assert.equal(crash.status, 500);
    await crash.arrayBuffer();
    const page = await fetch(server.url + "/");
    assert.equal(page.status, 200, "everything else is d-back's");
    await page.arrayBuffer();
  });

  it("refuses to register callbacks after start", () => {
    assert.throws(() => server.onGetUsers(() => ({})), /before start/);
  });
});

describe("library API without callbacks", () => {
  it("serves the mock world", async () => {
    const server = await startServer();
    const client = await Client.open(wsURL(server));
    assert.equal(Object.keys((await client.next("server-list")).data).length, 4);
    await client.close();
    await server.stop();
  });

  it("needs onGetServers when other data callbacks are registered", async () => {
    const server = await createServer({ port: 0, logger: createLogger("silent") });
    server.onGetUsers(() => ({}));
    await assert.rejects(server.start(), /onGetServers/);
  });
});

// Compile-time checks: `deno check` (run by CI) fails if any of these payloads type-checks.
export function typeErrors(server: Server): void {
  // @ts-expect-error status must be one of the four statuses
  server.broadcastPresence("g", { uid: "a", status: "sleeping" });
  // @ts-expect-error uid is required
  server.broadcastPresence("g", { status: "online" });
  // @ts-expect-error a message needs a channel
  server.broadcastMessage("g", { uid: "a", message: "hi" });
  // @ts-expect-error a client id is a string
  server.broadcastClientId("g", 42);
  // @ts-expect-error getServers must return guild entries
  server.onGetServers(() => ({ g: { name: 5 } }));
}
