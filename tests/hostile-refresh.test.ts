// A viewer's connect to a guild d-back does not know makes it ask the source for its list again.
// A crowd of viewers doing that at the rate limit must not become a crowd of calls to a slow source.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { DataSource, Server } from "../src/mod.ts";
import { ErrorText } from "../src/protocol/errors.ts";
import type { GuildInfoInput } from "../src/protocol/guild.ts";
import { freshCall } from "../src/fresh-call.ts";
import { startServer, wsURL } from "./helpers/server.ts";
import { Client, until } from "./helpers/client.ts";

/** A source whose guild list is answered only while its gate is open, counting the calls under way. */
class GatedSource implements DataSource {
  readonly name = "gated";
  guilds: GuildInfoInput[] = [{ guildId: "g1", id: "one", name: "One", default: true }];
  calls = 0;
  underWay = 0;
  mostAtOnce = 0;
  #gate: Promise<void> = Promise.resolve();
  #open = () => {};

  async servers() {
    this.calls++;
    this.underWay++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.underWay);
    await this.#gate;
    this.underWay--;
    return this.guilds;
  }

  users() {
    return { u1: { uid: "u1", username: "one", status: "online" as const, roleColor: "#ffffff" } };
  }

  close(): void {
    this.#gate = new Promise((resolve) => this.#open = resolve);
  }

  open(): void {
    this.#open();
    this.#gate = Promise.resolve();
  }
}

describe("hostile: connects to unknown guilds against a slow source", () => {
  const source = new GatedSource();
  let server: Server;
  before(async () => server = await startServer({ source }));
  after(() => server.stop());

  it("ask the source for its list once at a time, answer every connect, and still find a guild added meanwhile", async () => {
    const viewers = await Promise.all(Array.from({ length: 5 }, () => Client.listed(wsURL(server))));
    source.close();
    source.mostAtOnce = 0;
    const before = source.calls;
    for (const viewer of viewers) for (let i = 0; i < 3; i++) viewer.connect({ server: `nowhere-${i}` });
    await until(() => source.underWay > 0, "the source to be asked");
    // A guild the source gains while it is being asked: a connect sent after that must find it.
    source.guilds = [...source.guilds, { guildId: "g2", id: "two", name: "Two" }];
    const late = await Client.open(wsURL(server)); // its server-list waits for the list too
    late.connect({ server: "two" });

    source.open();
    for (const viewer of viewers) {
      for (let i = 0; i < 3; i++) assert.equal((await viewer.next("error")).data.message, ErrorText.unknownServer);
    }
    await late.next("server-list");
    await late.next("server-join");
    assert.equal(source.mostAtOnce, 1, "the source was asked for its list by many viewers at once");
    // Each viewer's connects are answered in turn: a call per round of them, and one more for whoever came during it.
    assert.ok(source.calls - before < 15, `${source.calls - before} calls for 17 connects and opens`);
    await Promise.all([...viewers, late].map((v) => v.close()));
  });
});

describe("freshCall", () => {
  it("hands a failed run's error to its callers only, and runs again for the next", async () => {
    let runs = 0;
    const call = freshCall(async () => {
      const run = ++runs;
      await Promise.resolve();
      if (run === 1) throw new Error("run 1 failed");
    });
    const first = call();
    const [second, third] = [call(), call()]; // during the first: they share the second run
    await assert.rejects(first, /run 1 failed/);
    await second;
    await third;
    assert.equal(runs, 2);
    await call();
    assert.equal(runs, 3);
  });
});
