// Stopping the d-back command with signals, as a service manager or a user at a terminal does.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type Running, startCli } from "./helpers/cli.ts";
import { Client, until } from "./helpers/client.ts";
import { RawSocket } from "./helpers/raw-socket.ts";
import { makeDzoneFolder } from "./helpers/dzone-folder.ts";

/** Starts a download of a file far larger than the kernel's buffers, and stops reading it. */
function stuckDownload(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const tcp = connect(port, "127.0.0.1");
    tcp.on("error", () => {});
    tcp.once("connect", () => tcp.write("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    tcp.once("data", (chunk: Buffer) => {
      if (!/^HTTP\/1\.1 200 /.test(chunk.toString("latin1"))) return reject(new Error(chunk.toString("latin1", 0, 80)));
      tcp.pause();
      resolve(tcp);
    });
  });
}

describe("shutdown", () => {
  let folder: ReturnType<typeof makeDzoneFolder>;
  before(() => {
    folder = makeDzoneFolder();
    writeFileSync(join(folder.site, "big.bin"), new Uint8Array(160 * 1024 * 1024));
  });
  after(() => rmSync(folder.root, { recursive: true, force: true }));

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} closes every viewer with 1001 "going away" and exits 0`, async () => {
      const running = await startCli();
      const ws = running.url.replace("http", "ws");
      const a = await Client.joined(ws, "dworld");
      const b = await Client.joined(ws, "repos");
      const stuck = await RawSocket.open(running.port); // never answers the close
      await stuck.next("server-list");
      const finished = await running.stop(signal);
      assert.equal(finished.code, 0, finished.stderr);
      for (const { client } of [a, b]) {
        const event = await client.closed;
        assert.equal(event.code, 1001);
        assert.equal(event.reason, "going away");
      }
      assert.equal(stuck.close?.code, 1001);
      assert.match(finished.stderr, new RegExp(` INFO shutting down signal=${signal} connections=3\\n`));
      assert.match(finished.stderr, / INFO stopped\n/);
      stuck.destroy();
    });
  }

  it("lets a request under way finish for a grace, then exits 0 anyway", async () => {
    const running = await startCli(["--static-dir", folder.site]);
    const download = await stuckDownload(running.port);
    const viewer = await Client.joined(running.url.replace("http", "ws"), null);
    const finished = await running.stop("SIGTERM");
    assert.equal(finished.code, 0, finished.stderr);
    assert.equal((await viewer.client.closed).code, 1001);
    assert.match(finished.stderr, / INFO stopped\n/);
    download.destroy();
  });

  for (const [first, second, code] of [["SIGTERM", "SIGINT", 130], ["SIGINT", "SIGTERM", 143]] as const) {
    it(`a second signal while stopping exits at once: ${first} then ${second} → ${code}`, async () => {
      const running: Running = await startCli(["--static-dir", folder.site]);
      const download = await stuckDownload(running.port); // holds the graceful stop open
      process.kill(running.child.pid!, first);
      await until(() => running.log().includes(" shutting down "), "the first signal to be taken");
      const finished = await running.stop(second);
      assert.equal(finished.code, code, finished.stderr);
      assert.match(finished.stderr, new RegExp(` WARN second signal, exiting now signal=${second}\\n`));
      assert.doesNotMatch(finished.stderr, / INFO stopped\n/);
      download.destroy();
    });
  }
});
