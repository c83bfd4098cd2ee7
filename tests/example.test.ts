// The example bot in examples/ runs against the library API, on this runtime.
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Client } from "./helpers/client.ts";

const bot = fileURLToPath(new URL("../examples/bot.ts", import.meta.url));

it("examples/bot.ts serves its guild and relays its events", async () => {
  const args = "Deno" in globalThis ? ["run", "-A", bot] : [bot];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, DBACK_PORT: "0", EXAMPLE_EVERY_MS: "50", NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let log = "";
      child.stderr!.on("data", (d) => {
        log += d;
        const m = / listening url=(\S+)/.exec(log);
        if (m) resolve(m[1]!);
      });
      child.on("close", () => reject(new Error(`the example exited: ${log}`)));
    });
    const { client, list, join } = await Client.joined(url.replace("http", "ws"), null);
    assert.deepEqual(Object.values(list.data), [{ id: "example", name: "Example Guild", default: true, passworded: false }]);
    assert.deepEqual(Object.keys(join.data.users), ["1", "2", "3"]);
    const event = await client.next(undefined, { timeout: 5000 });
    assert.ok(["presence", "message"].includes(event.type));
    assert.equal(event.server, "100000000000000042");
    await client.close();
  } finally {
    process.kill(child.pid!, "SIGTERM");
  }
  assert.equal(await exited, 0);
});
