// Failures inside the server: a data source that throws, rejects, hangs or
// answers nonsense, and a send that fails. Each is logged once, with context,
// and hurts only the request or the viewer it belongs to.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { WSContext } from "hono/ws";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client } from "./helpers/client.ts";
import { createLogger, type DataSource, type Feed, type Server } from "../src/mod.ts";
import { type Fanout, Hub } from "../src/hub.ts";
import { Viewer, type ViewerContext } from "../src/viewer.ts";
import { RateLimit } from "../src/rate-limit.ts";
import type { World } from "../src/world.ts";

const sourceFailed = "The server could not load that Discord server right now. Please try again.";

const guilds = ["good", "throws", "rejects", "hangs", "nonsense", "nowatch"] as const;
const guildId = (id: string) => String(1000 + guilds.indexOf(id as typeof guilds[number]));

/** A data source that fails in every way a callback can, one guild per way. */
class FaultySource implements DataSource {
  readonly name = "faulty";
  listFails = false;
  readonly feeds = new Map<string, Feed>();

  servers() {
    if (this.listFails) throw new Error("the guild list exploded");
    return guilds.map((id) => ({ guildId: guildId(id), id, name: id, default: id === "good" }));
  }

  users(g: string) {
    if (g === guildId("throws")) throw new Error("users exploded");
    if (g === guildId("rejects")) return Promise.reject(new Error("users rejected"));
    if (g === guildId("hangs")) return new Promise<never>(() => {});
    if (g === guildId("nonsense")) return { x: { uid: 5 } } as never;
    return { [`${g}1`]: { uid: `${g}1`, username: "someone", status: "online" as const, roleColor: "#abcdef" } };
  }

  watch(g: string, feed: Feed): () => void {
    if (g === guildId("nowatch")) throw new Error("watch exploded");
    this.feeds.set(g, feed);
    return () => this.feeds.delete(g);
  }
}

describe("faults: a failing data source", () => {
  let server: Server;
  let source: FaultySource;
  const lines: string[] = [];
  const errors = () => lines.filter((l) => / ERROR /.test(l));
  before(async () => {
    source = new FaultySource();
    server = await startServer({ source, sourceTimeoutMs: 200, logger: createLogger("info", (line) => lines.push(line)) });
  });
  after(() => server.stop());

  for (const [id, why] of [
    ["throws", "users exploded"],
    ["rejects", "users rejected"],
    ["hangs", "took longer than 200 ms"],
    ["nonsense", "returned invalid data"],
  ] as const) {
    it(`a source that ${id === "nonsense" ? "answers nonsense" : id}: the viewer gets an error, one log line, and can go on`, async () => {
      const watcher = await Client.joined(wsURL(server), "good");
      const client = await Client.open(wsURL(server));
      await client.next("server-list");
      lines.length = 0;
      client.connect({ server: id });
      assert.equal((await client.next("error")).data.message, sourceFailed);
      assert.equal(errors().length, 1, errors().join("\n"));
      assert.match(errors()[0]!, new RegExp(`ERROR connect failed viewer=\\d+ server=${id} error=.*${why}`));

      source.feeds.get(guildId("good"))!.message({ uid: `${guildId("good")}1`, message: "still here", channel: "1" });
      assert.equal((await watcher.client.next("message")).data.message, "still here", "the other viewers are untouched");
      client.connect({ server: "good" });
      assert.equal((await client.next("server-join")).data.serverName, "good", "the same socket is served again");
      await Promise.all([client.close(), watcher.client.close()]);
    });
  }

  it("a guild list that throws: the viewer still gets the last known list, and one log line", async () => {
    source.listFails = true;
    try {
      lines.length = 0;
      const client = await Client.open(wsURL(server));
      const list = await client.next("server-list");
      assert.equal(Object.keys(list.data).length, guilds.length);
      assert.equal(errors().length, 1, errors().join("\n"));
      assert.match(errors()[0]!, /ERROR could not list servers viewer=\d+ error=.*the guild list exploded/);
      await client.close();
    } finally {
      source.listFails = false;
    }
  });

  it("a live feed that fails to start: viewers still join, one log line, nothing left behind", async () => {
    lines.length = 0;
    const a = await Client.joined(wsURL(server), "nowatch");
    assert.deepEqual(Object.keys(a.join.data.users), [`${guildId("nowatch")}1`]);
    assert.equal(errors().length, 1, errors().join("\n"));
    assert.match(errors()[0]!, new RegExp(`ERROR source watch failed source=faulty guild=${guildId("nowatch")} error=.*watch exploded`));
    await a.client.close();
    const b = await Client.joined(wsURL(server), "good");
    await b.client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.hub.rooms, 0);
    assert.equal(server.world.watching, 0);
  });
});

describe("faults: a failing send", () => {
  /** A socket whose sends fail after `ok` of them, as a connection reset under the runtime would. */
  function socket(ok: number) {
    const sent: string[] = [];
    const closed: number[] = [];
    const context = new WSContext({
      send(data) {
        if (sent.length >= ok) throw new Error("connection reset by peer");
        sent.push(String(data));
      },
      close: (code) => closed.push(code ?? 0),
      readyState: 1,
    });
    return { context, sent, closed };
  }

  it("is logged once, with the viewer, and ends only that viewer", () => {
    const lines: string[] = [];
    const log = createLogger("info", (line) => lines.push(line));
    // A send loop like the Deno adapter's: each peer sends its own copy.
    const fanout: Fanout = {
      subscribe() {},
      unsubscribe() {},
      publish(_topic, frame, peers) {
        for (const peer of peers) peer.send(frame);
      },
    };
    const hub = new Hub(fanout, { active() {}, idle() {} });
    const gone: number[] = [];
    let ids = 0;
    const ctx: ViewerContext = {
      // A world that never lists its servers: the viewers are sent the broadcasts alone.
      world: { refresh: () => new Promise<void>(() => {}) } as unknown as World,
      hub,
      log,
      rate: new RateLimit(0, 1),
      nextId: () => ++ids,
      holdUntilGone() {},
      enter: () => true,
      gone: (v: Viewer) => gone.push(v.id),
    };
    const good = socket(Infinity);
    const bad = socket(1);
    const goodViewer = new Viewer(ctx, { address: "192.0.2.1", release() {} });
    const badViewer = new Viewer(ctx, { address: "192.0.2.2", release() {} });
    goodViewer.onOpen(new Event("open"), good.context);
    badViewer.onOpen(new Event("open"), bad.context);
    hub.join(goodViewer, "42");
    hub.join(badViewer, "42");
    const event = { type: "message", server: "42", data: { uid: "1", message: "hi", channel: "1" } } as const;
    for (let i = 0; i < 3; i++) hub.broadcast("42", event);

    assert.equal(good.sent.length, 3, "the other viewer got every event");
    assert.equal(bad.sent.length, 1);
    const errors = lines.filter((l) => / ERROR /.test(l));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0]!, /ERROR send failed viewer=2 addr=192\.0\.2\.2 guild=42 error=.*connection reset by peer/);
    assert.deepEqual(bad.closed, [1011], "closed as an internal error");
    assert.deepEqual(gone, [2], "and forgotten by the server");
    assert.equal(hub.viewers("42"), 1);
    assert.equal(badViewer.room, undefined);
  });
});
