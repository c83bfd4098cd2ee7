// d-zone answers an error with an alert and, while it shows no world, asks for the default server
// again: a refusal of the default server repeated on each ask would be alerts without end.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { wsURL } from "./helpers/server.ts";
import { Client } from "./helpers/client.ts";
import { createLogger, createServer, type Server, type Servers } from "../src/mod.ts";

const GUILD = "111111111111111111";
const unknownServer = "Sorry, couldn't connect to that Discord server.";
const authRequired = "This server requires Discord authentication. Please login with Discord.";

async function serverWith(servers: Servers): Promise<Server> {
  const server = await createServer({ port: 0, host: "127.0.0.1", logger: createLogger("silent") });
  server.onGetServers(() => servers).onGetUsers(() => ({ a: { uid: "a", username: "Alice", status: "online", roleColor: "#123456" } }));
  return server.start();
}

/** The next frame after `connect(data)`, read behind a bad frame whose answer shows that nothing else came first. */
async function answerTo(client: Client, data: Record<string, unknown>): Promise<string | undefined> {
  client.connect(data);
  client.send("not json");
  const first = await client.next("error");
  if (first.data.message === "Invalid JSON") return undefined;
  assert.equal((await client.next("error")).data.message, "Invalid JSON");
  return first.data.message;
}

describe("refusals of the default server", () => {
  const open: (Client | Server)[] = [];
  after(async () => {
    for (const c of open.reverse()) await (c instanceof Client ? c.close() : c.stop());
  });
  const viewer = async (server: Server) => {
    const client = await Client.open(wsURL(server));
    open.push(client);
    await client.next("server-list");
    return client;
  };

  it("with no server at all: the first ask is refused, the same ask again is not answered again, other asks are", async () => {
    const server = await serverWith({});
    open.push(server);
    const client = await viewer(server);
    assert.equal(await answerTo(client, {}), unknownServer);
    assert.equal(await answerTo(client, { server: "default" }), undefined);
    assert.equal(await answerTo(client, { server: null }), undefined);
    // A server asked for by name is the visitor's own choice: always answered.
    assert.equal(await answerTo(client, { server: "nope" }), unknownServer);
    assert.equal(await answerTo(client, { server: "nope" }), unknownServer);
    // Each viewer is told once.
    assert.equal(await answerTo(await viewer(server), {}), unknownServer);
  });

  it("a passworded default: told once, then a sign-in joins it, and after a join a refusal is told again", async () => {
    const server = await serverWith({ [GUILD]: { id: "home", name: "Home", default: true, passworded: true, password: "letmein" } });
    open.push(server);
    const client = await viewer(server);
    assert.equal(await answerTo(client, {}), authRequired);
    assert.equal(await answerTo(client, {}), undefined);
    client.connect({ server: "default", password: "letmein" });
    assert.equal((await client.next("server-join")).data.request.server, "default");
    assert.equal(await answerTo(client, {}), authRequired);
  });
});
