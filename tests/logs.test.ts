// --log-format json: every line the CLI writes is one JSON object with time, level, message and the event's fields.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, startCli } from "./helpers/cli.ts";
import { Client } from "./helpers/client.ts";
import { createLogger } from "../src/log.ts";
import { RecentLog } from "../src/admin/recent-log.ts";

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

describe("log lines in memory", () => {
  it("a JSON line keeps time, level and message whatever the fields are called", () => {
    const lines: string[] = [];
    createLogger("debug", (line) => lines.push(line), "json").warn("real", { message: "forged", level: "debug", n: 3, gone: undefined });
    const entry = JSON.parse(lines[0]!);
    assert.equal(entry.message, "real");
    assert.equal(entry.level, "warn");
    assert.equal(entry.n, 3);
    assert.ok(!("gone" in entry));
    // Nothing the text line would show is lost.
    assert.equal(entry["field.message"], "forged");
    assert.equal(entry["field.level"], "debug");
  });

  it("a JSON line escapes the control characters JSON itself leaves raw", () => {
    const lines: string[] = [];
    createLogger("debug", (line) => lines.push(line), "json").warn("a\x85b\u2028c\x1bd", { path: "/x\x9b[31m" });
    assert.doesNotMatch(lines[0]!, /[\x00-\x1f\x7f-\x9f\u2028\u2029]/);
    const entry = JSON.parse(lines[0]!);
    assert.equal(entry.message, "a\x85b\u2028c\x1bd");
    assert.equal(entry.path, "/x\x9b[31m");
  });

  it("keeps the last warnings and errors whatever the level, and passes every line on", () => {
    const lines: string[] = [];
    const recent = new RecentLog(3);
    const log = recent.wrap(createLogger("error", (line) => lines.push(line)));
    log.info("not kept");
    for (let i = 0; i < 5; i++) log.warn(`warning ${i}`, { long: "x".repeat(500) });
    log.error("broke", { code: 7 });
    assert.deepEqual(recent.entries().map((e) => e.message), ["warning 3", "warning 4", "broke"]);
    assert.equal(recent.entries()[0]!.fields.long!.length, 200);
    assert.deepEqual(recent.entries()[2]!.fields, { code: "7" });
    assert.equal(lines.length, 1, "the logger's own level still decides what is written");
    assert.match(lines[0]!, / ERROR broke code=7$/);
  });
});
