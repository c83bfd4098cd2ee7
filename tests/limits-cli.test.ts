// The limit flags and their environment variables, through the real command.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, startCli } from "./helpers/cli.ts";
import { Client } from "./helpers/client.ts";
import { RawSocket, Refused } from "./helpers/raw-socket.ts";

const limitFlags = [
  ["--max-connections", "DBACK_MAX_CONNECTIONS"],
  ["--max-connections-per-ip", "DBACK_MAX_CONNECTIONS_PER_IP"],
  ["--max-frame-bytes", "DBACK_MAX_FRAME_BYTES"],
  ["--rate-limit", "DBACK_RATE_LIMIT"],
  ["--rate-burst", "DBACK_RATE_BURST"],
  ["--max-buffered-bytes", "DBACK_MAX_BUFFERED_BYTES"],
  ["--idle-timeout", "DBACK_IDLE_TIMEOUT"],
] as const;

describe("limits on the command line", () => {
  it("--help lists every limit with its environment variable and default", async () => {
    const { code, stdout } = await runCli(["--help"]);
    assert.equal(code, 0);
    for (const [flag, env] of limitFlags) {
      const line = stdout.split("\n").find((l) => l.trimStart().startsWith(flag + " "));
      assert.ok(line, `--help has a line for ${flag}`);
      assert.match(line!, new RegExp(`\\(default \\d+\\); env ${env}$`));
    }
  });

  for (const [args, env, names] of [
    [["--max-frame-bytes", "100"], {}, "--max-frame-bytes must be a whole number from 1024 to 67108864"],
    [["--rate-limit", "fast"], {}, "--rate-limit must be a whole number"],
    [["--rate-burst", "0"], {}, "--rate-burst must be a whole number from 1 to 100000"],
    [["--idle-timeout", "-5"], {}, "--idle-timeout"],
    [[], { DBACK_MAX_CONNECTIONS: "lots" }, "DBACK_MAX_CONNECTIONS (--max-connections)"],
  ] as [string[], Record<string, string>, string][]) {
    it(`refuses ${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(" ")} with one line and exit 2`, async () => {
      const { code, stderr } = await runCli(args, env);
      assert.equal(code, 2);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.ok(stderr.includes(names), stderr);
    });
  }

  it("the limits given reach the server: connections, frame size, rate", async () => {
    const running = await startCli(["--max-connections", "2", "--max-frame-bytes", "2048", "--rate-burst", "3"], {
      DBACK_RATE_LIMIT: "1",
    });
    try {
      const ws = running.url.replace("http", "ws");
      const a = await Client.open(ws);
      await a.next("server-list");
      for (let i = 0; i < 3; i++) assert.equal(await a.errorFor("{"), "Invalid JSON");
      assert.equal(await a.errorFor("{"), "Too many messages: slow down and send again in a moment.");

      const b = await Client.open(ws);
      await b.next("server-list");
      const refused = await RawSocket.open(running.port).then(() => undefined, (e) => e);
      assert.ok(refused instanceof Refused && refused.status === 503, String(refused));

      b.send("x".repeat(2049));
      assert.equal((await b.closed).code, 1009);
      await a.close();
    } finally {
      const finished = await running.stop();
      assert.equal(finished.code, 0);
    }
  });
});
