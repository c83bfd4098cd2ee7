// examples/ingest_bot.py (the README's Python producer) against a real server, with Debian's
// python3 and python3-aiohttp (.ci/run installs them).
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Server } from "../src/mod.ts";
import { startServer, wsURL } from "./helpers/server.ts";
import { TOKEN } from "./helpers/ingest.ts";
import { runCommand } from "./helpers/cli.ts";
import { Client } from "./helpers/client.ts";

const script = fileURLToPath(new URL("../examples/ingest_bot.py", import.meta.url));
const python = "/usr/bin/python3";
const hasAiohttp = spawnSync(python, ["-c", "import aiohttp"]).status === 0;

let server: Server;
before(async () => server = await startServer({ ingest: { token: TOKEN, maxBytes: 1 << 20 } }));
after(() => server?.stop());

it("examples/ingest_bot.py puts its guild and streams its events, refused none", { skip: hasAiohttp ? false : `needs ${python} with aiohttp` }, async () => {
  const { code, stdout, stderr } = await runCommand([python, [script]], { DBACK_URL: server.url, DBACK_INGEST_TOKEN: TOKEN }, 30_000);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /'created': True/);
  assert.doesNotMatch(stdout, /refused/);
  const { client, join } = await Client.joined(wsURL(server), "dworld");
  try {
    assert.equal(join.data.serverName, "D-World");
    assert.deepEqual(join.data.users["42"], { uid: "42", username: "Ada", status: "idle", roleColor: "#e06c75" });
  } finally {
    await client.close();
  }
});
