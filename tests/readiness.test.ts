// /ready on the public port: 503 until the data source is ready, 200 then, 503 again while stopping; /health stays liveness.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { PumpSource } from "./helpers/pump-source.ts";
import { until } from "./helpers/client.ts";

/** A source that is not ready until the test says so (a gateway before READY, a cluster before its sync). */
class SlowSource extends PumpSource {
  isReady = false;
  /** Resolves the source's close: until then the server is in its grace period. */
  letClose!: () => void;
  ready(): boolean {
    return this.isReady;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.letClose = resolve);
  }
}

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
};

describe("readiness", () => {
  it("is 503 while the source is not ready, 200 once it is, and 503 while stopping", async () => {
    const source = new SlowSource();
    const server = await startServer({ source, shutdownGraceMs: 3000 });
    let stopped: Promise<void> | undefined;
    try {
      assert.deepEqual(await get(server.url + "/ready"), { status: 503, body: { ready: false, status: "starting" } });
      assert.equal((await get(server.url + "/health")).status, 200, "alive all the same");
      source.isReady = true;
      assert.deepEqual(await get(server.url + "/ready"), { status: 200, body: { ready: true, status: "ready" } });
      stopped = server.stop();
      await until(() => server.health().status === "stopping", "the server to begin stopping");
      assert.deepEqual(await get(server.url + "/ready"), { status: 503, body: { ready: false, status: "stopping" } });
      assert.equal((await get(server.url + "/health")).body.status, "stopping");
      source.letClose();
    } finally {
      await (stopped ?? server.stop());
    }
  });

  it("is 200 at once for the mock world", async () => {
    const server = await startServer();
    try {
      assert.equal((await get(server.url + "/ready")).status, 200);
    } finally {
      await server.stop();
    }
  });
});
