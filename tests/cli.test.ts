// The d-back command, run as a user runs it: a real process on this runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer as listenOn } from "node:net";
import pkg from "../package.json" with { type: "json" };
import { runCli, startCli } from "./helpers/cli.ts";
import { Client } from "./helpers/client.ts";

const oneLine = (text: string) => text.trim().split("\n").length === 1;

describe("cli", () => {
  it("--help explains every flag and its environment variable", async () => {
    const { code, stdout } = await runCli(["--help"]);
    assert.equal(code, 0);
    for (const flag of ["--port", "--host", "--static-dir", "--trust-proxy", "--log-level", "--discord-client-id", "--discord-api-base", "--discord-timeout-ms", "--sign-in-failures", "--version", "--help"]) {
      assert.ok(stdout.includes(flag), `--help mentions ${flag}`);
    }
    for (const env of ["DBACK_PORT", "DBACK_HOST", "DBACK_STATIC_DIR", "DBACK_TRUST_PROXY", "DBACK_LOG_LEVEL"]) {
      assert.ok(stdout.includes(env), `--help mentions ${env}`);
    }
    assert.match(stdout, /socketURL/);
  });

  it("--version prints the package version", async () => {
    for (const flag of ["--version", "-v"]) {
      const { code, stdout } = await runCli([flag]);
      assert.equal(code, 0);
      assert.equal(stdout.trim(), pkg.version);
    }
  });

  for (const [args, env, names] of [
    [["--port", "70000"], {}, "--port"],
    [["--port", "12ab"], {}, "--port"],
    [[], { DBACK_PORT: "eighty" }, "DBACK_PORT"],
    [["--static-dir", "/no/such/folder"], {}, "--static-dir"],
    [[], { DBACK_STATIC_DIR: "/no/such/folder" }, "DBACK_STATIC_DIR"],
    [["--log-level", "chatty"], {}, "--log-level"],
    [["--host", ""], {}, "--host"],
    [["--host", "999.1.1.1"], {}, "--host must be an IP address or a host name"],
    [["--port", "-1"], {}, "--port must be a whole number"],
    [["--host", "1.2.3.4"], {}, "--host 1.2.3.4 is not an address of this machine"],
    [["--host", "no-such-host.invalid"], {}, "--host no-such-host.invalid cannot be listened on"],
    [["--port", "0", "--admin-port", "0", "--admin-host", "1.2.3.4"], {}, "--admin-host 1.2.3.4 is not an address of this machine"],
    [["--admin-host", "999.1.1.1"], {}, "--admin-host must be an IP address or a host name"],
    [["--trust-proxy", "nginx.local"], {}, "--trust-proxy"],
    [["--trust-proxy", "127.0.0.1,"], {}, "--trust-proxy"],
    [[], { DBACK_TRUST_PROXY: "10.0.0.1;10.0.0.2" }, "DBACK_TRUST_PROXY"],
    [["--frobnicate"], {}, "--frobnicate"],
    [["stray"], {}, "stray"],
    [["--discord-api-base", "ftp://discord.example"], {}, "--discord-api-base"],
    [[], { DBACK_DISCORD_API_BASE: "not a url" }, "DBACK_DISCORD_API_BASE"],
    [["--discord-client-id", "my app"], {}, "--discord-client-id"],
    [["--discord-timeout-ms", "5"], {}, "--discord-timeout-ms"],
    [["--sign-in-failures", "0"], {}, "--sign-in-failures"],
  ] as [string[], Record<string, string>, string][]) {
    it(`refuses ${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(" ")} with one line and exit 2`, async () => {
      const { code, stdout, stderr } = await runCli(args, env);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.ok(oneLine(stderr), `one line: ${stderr}`);
      assert.ok(stderr.includes(names), `names ${names}: ${stderr}`);
    });
  }

  it("says clearly when the port is taken, without a stack trace", async () => {
    const blocker = listenOn();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runCli(["--port", String(port)]);
      assert.equal(code, 1);
      assert.ok(oneLine(stderr), stderr);
      assert.match(stderr, /already in use/);
      assert.ok(stderr.includes(String(port)));
      assert.doesNotMatch(stderr, /\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it("names the listener whose port is taken: --admin-port for the admin listener's, --port for the public one's", async () => {
    const blocker = listenOn();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = String((blocker.address() as { port: number }).port);
    try {
      const admin = await runCli(["--port", "0", "--admin-port", port]);
      assert.equal(admin.code, 1);
      assert.match(admin.stderr, /already in use \(choose another with --admin-port\)/);
      // The same number for both: the public port is bound first, and it is the one refused.
      const both = await runCli(["--port", port, "--admin-port", port]);
      assert.equal(both.code, 1);
      assert.match(both.stderr, /already in use \(choose another with --port\)/);
    } finally {
      blocker.close();
    }
  });

  it("a flag wins over its environment variable", async () => {
    const { code, stderr } = await runCli(["--port", "70000"], { DBACK_PORT: "3000" });
    assert.equal(code, 2);
    assert.match(stderr, /--port/);
  });

  it("serves the mock world, logs one line per event, and exits 0 on SIGTERM", async () => {
    const running = await startCli(["--log-level", "debug"], { DBACK_HOST: "127.0.0.1" });
    const version = await (await fetch(running.url + "/api/version")).json();
    assert.deepEqual(version, { version: pkg.version });
    const { client, join } = await Client.joined(running.url.replace("http", "ws"), null);
    assert.equal(join.data.serverName, "D-World");
    client.send("{bad json");
    await client.next("error");
    await client.close();
    const finished = await running.stop("SIGTERM");
    assert.equal(finished.code, 0);
    const lines = finished.stderr.trim().split("\n");
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO|WARN|ERROR) \S/, line);
    assert.ok(lines.some((l) => / INFO listening /.test(l)));
    assert.ok(lines.some((l) => / DEBUG viewer joined /.test(l)));
    assert.ok(!finished.stderr.includes("D-World") || !finished.stderr.includes("vegeta897"), "frames are not dumped");
  });

  it("--host ::1 logs a URL (the address in brackets) that answers", async () => {
    for (const host of ["::1", "[::1]"]) {
      const running = await startCli(["--host", host]);
      try {
        assert.match(running.url, /^http:\/\/\[::1\]:\d+$/);
        assert.deepEqual(await (await fetch(running.url + "/api/version")).json(), { version: pkg.version });
      } finally {
        assert.equal((await running.stop()).code, 0);
      }
    }
  });

  it("logs nothing per viewer at the default level", async () => {
    const running = await startCli();
    const { client } = await Client.joined(running.url.replace("http", "ws"), "docs");
    await client.close();
    const finished = await running.stop();
    assert.equal(finished.code, 0);
    assert.doesNotMatch(finished.stderr, /viewer/);
  });
});
