// The config file through the real command: a process on this runtime, as an admin runs it.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer as listenOn } from "node:net";
import { cliCommand, runCli, type Running, startCommand } from "./helpers/cli.ts";
import { Client } from "./helpers/client.ts";
import { configFolder, readmeConfigExample } from "./helpers/config.ts";

const oneLine = (text: string) => text.trim().split("\n").length === 1;

/**
 * Stops a running d-back once it answers HTTP: its signal handlers are set
 * just after the `listening` line, so a signal sent at once could beat them.
 */
async function stopWhenServing(running: Running) {
  assert.equal((await fetch(running.url + "/api/version")).status, 200);
  return running.stop();
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = listenOn();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("config file on the command line", () => {
  const folder = configFolder();
  after(() => folder.remove());

  it("--help names --config, DBACK_CONFIG and the order settings are taken in", async () => {
    const { code, stdout } = await runCli(["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /--config FILE .*env DBACK_CONFIG/);
    assert.match(stdout.replace(/\s+/g, " "), /A flag wins over its environment variable, which wins over the config file \(--config\), which wins over the default/);
  });

  it("the file's settings reach the server: port, host and log level", async () => {
    const path = folder.write("plain.json", { port: 0, host: "127.0.0.1", "log-level": "debug" });
    const running = await startCommand(cliCommand(["--config", path]));
    assert.notEqual(running.port, 3000);
    const { client } = await Client.joined(running.url.replace("http", "ws"), null);
    await client.close();
    const finished = await running.stop();
    assert.equal(finished.code, 0);
    assert.match(finished.stderr, / DEBUG viewer joined /);
  });

  it("a flag wins over its variable, the variable over the file", async () => {
    const [fromFile, fromEnv, fromFlag] = [await freePort(), await freePort(), await freePort()];
    const path = folder.write("ports.json", { port: fromFile });
    for (const [args, env, expected] of [
      [[], {}, fromFile],
      [[], { DBACK_PORT: String(fromEnv) }, fromEnv],
      [["--port", String(fromFlag)], { DBACK_PORT: String(fromEnv) }, fromFlag],
    ] as [string[], Record<string, string>, number][]) {
      const running = await startCommand(cliCommand(["--config", path, ...args]), env);
      assert.equal(running.port, expected, JSON.stringify({ args, env }));
      assert.equal((await stopWhenServing(running)).code, 0);
    }
  });

  it("DBACK_CONFIG names the file when --config does not", async () => {
    const path = folder.write("by-env.json", { port: 0, "ingest-token": "file-token-0123456789abcdef" });
    const running = await startCommand(cliCommand([]), { DBACK_CONFIG: path });
    assert.match(running.log(), / ingest=on /);
    assert.equal((await stopWhenServing(running)).code, 0);
  });

  const cases: [string, () => string[], string][] = [
    ["a missing file", () => ["--config", `${folder.dir}/missing.json`], `${folder.dir}/missing.json: cannot read it: no such file`],
    ["a folder", () => ["--config", folder.dir], `${folder.dir}: cannot read it: it is a folder`],
    ["text that is not JSON", () => ["--config", folder.write("broken.json", '{\n  "port": 3000,\n  "host": 127.0.0.1\n}')], "broken.json: not valid JSON at line 3, column 16: expected ',' or '}'"],
    ["a key written twice", () => ["--config", folder.write("twice.json", '{"port": 1, "port": 2}')], 'twice.json: not valid JSON at line 1, column 13: the key "port" appears twice'],
    ["an unknown key", () => ["--config", folder.write("typo.json", { prot: 3000 })], "typo.json: prot is not a known key (did you mean port?)"],
    ["an unknown key in a guild", () => ["--config", folder.write("guild-typo.json", { discord: { guilds: { "123": { pasworded: true } } } })], "guild-typo.json: discord.guilds.123.pasworded is not a known key"],
    ["a wrong type", () => ["--config", folder.write("type.json", { port: "3000" })], "type.json: port must be a number"],
    ["a wrong type in a guild", () => ["--config", folder.write("guild-type.json", { discord: { guilds: { "123": { passworded: "yes" } } } })], "guild-type.json: discord.guilds.123.passworded must be a boolean"],
    ["a value out of range", () => ["--config", folder.write("range.json", { "max-connections": -1 })], "range.json: max-connections must be a whole number from 0 to 1000000"],
    ["two default guilds", () => ["--config", folder.write("defaults.json", { discord: { guilds: { "1": { default: true }, "2": { default: true } } } })], "defaults.json: discord.guilds.2.default is true for guild 1 too"],
    ["an empty --config", () => ["--config", ""], "--config must not be empty"],
  ];
  for (const [what, args, expected] of cases) {
    it(`refuses ${what} with one line and exit 2`, async () => {
      const { code, stdout, stderr } = await runCli(args());
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.ok(oneLine(stderr), stderr);
      assert.ok(stderr.startsWith("d-back: "), stderr);
      assert.ok(stderr.includes(expected), `${stderr} has ${expected}`);
      assert.doesNotMatch(stderr, /\n\s+at /);
    });
  }

  it("never shows a token or password from the file, whatever is wrong with it", async () => {
    const secret = "s3cr3t-s3cr3t";
    const files = [
      folder.write("short-token.json", { "ingest-token": secret }),
      folder.write("bare-token.json", `{"ingest-token": ${secret}-0123456789}`),
      folder.write("bad-escape.json", `{"ingest-token": "${secret}\\x"}`),
      folder.write("spaced-token.json", { "ingest-token": `${secret} with spaces` }),
      folder.write("guild-password.json", { discord: { guilds: { "1": { password: secret, hideBots: "no" } } } }),
      folder.write("password-type.json", { discord: { guilds: { "1": { password: [secret] } } } }),
    ];
    for (const path of files) {
      const { code, stdout, stderr } = await runCli(["--config", path]);
      assert.equal(code, 2, stderr);
      assert.ok(oneLine(stderr), stderr);
      assert.ok(!(stdout + stderr).includes(secret), `${path}: ${stderr}`);
    }
  });

  it("runs the README's example (with the port and host given as flags), token absent from the log", async () => {
    const example = readmeConfigExample();
    const token = JSON.parse(example)["ingest-token"];
    const path = folder.write("readme.json", example);
    const running = await startCommand(cliCommand(["--config", path, "--port", "0", "--host", "127.0.0.1", "--log-level", "debug"]));
    assert.match(running.log(), / ingest=on /);
    const finished = await stopWhenServing(running);
    assert.equal(finished.code, 0);
    assert.ok(!finished.stderr.includes(token));
  });
});
