// --log-format json: every line the CLI writes is one JSON object with time, level, message and the event's fields.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, startCli } from "./helpers/cli.ts";
import { Client } from "./helpers/client.ts";

describe("JSON logs", () => {
  it("writes one JSON object per line, from start to stop", async () => {
    const running = await startCli(["--log-format", "json", "--log-level", "debug"]);
    const { client } = await Client.joined(running.url.replace("http", "ws") + "/");
    await client.close();
    const { code, stderr } = await running.stop();
    assert.equal(code, 0);
    const lines = stderr.trim().split("\n");
    const entries = lines.map((line) => JSON.parse(line));
    for (const entry of entries) {
      assert.ok(!Number.isNaN(Date.parse(entry.time)), entry.time);
      assert.ok(["debug", "info", "warn", "error"].includes(entry.level), entry.level);
      assert.equal(typeof entry.message, "string");
    }
    const messages = entries.map((e) => e.message);
    for (const m of ["listening", "viewer connected", "viewer joined", "shutting down", "stopped"]) assert.ok(messages.includes(m), m);
    const listening = entries.find((e) => e.message === "listening");
    assert.equal(listening.url, running.url);
    assert.equal(listening.source, "mock");
    const joined = entries.find((e) => e.message === "viewer joined");
    assert.equal(typeof joined.viewers, "number", "numbers stay numbers");
  });

  it("keeps the text format by default", async () => {
    const running = await startCli();
    const { stderr } = await running.stop();
    assert.match(stderr.split("\n")[0]!, /^\d{4}-\d\d-\d\dT\S+Z INFO listening url=/);
  });

  it("refuses an unknown format with one line and exit code 2", async () => {
    const { code, stderr } = await runCli(["--port", "0"], { DBACK_LOG_FORMAT: "xml" });
    assert.equal(code, 2);
    assert.equal(stderr.trim(), 'd-back: DBACK_LOG_FORMAT (--log-format) must be one of text, json, got "xml" (see d-back --help)');
  });
});
