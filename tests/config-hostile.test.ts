// Config files that are not what they seem: the command stops at once with one line, and never hangs.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./helpers/cli.ts";
import { configFolder } from "./helpers/config.ts";

describe("a hostile config file", () => {
  const folder = configFolder();
  after(() => folder.remove());

  it("refuses /dev/zero, a FIFO, a symlink to either, and a file past 1 MiB, without reading them", async () => {
    const fifo = join(folder.dir, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    const zeroLink = join(folder.dir, "zero.json");
    symlinkSync("/dev/zero", zeroLink);
    const huge = folder.write("huge.json", `{"port": 8080${" ".repeat(2 * 1024 * 1024)}}`);
    const cases: [string, RegExp][] = [
      ["/dev/zero", /\/dev\/zero: cannot read it: not a regular file/],
      [zeroLink, /zero\.json: cannot read it: not a regular file/],
      [fifo, /fifo\.json: cannot read it: not a regular file/],
      [huge, /huge\.json: cannot read it: larger than 1 MiB/],
      [folder.dir, /cannot read it: it is a folder/],
    ];
    for (const [path, expected] of cases) {
      // Before the fix, /dev/zero and the FIFO ran into this deadline (the process is killed, code null).
      const { code, stderr } = await runCli(["--port", "0", "--config", path], {}, 10_000);
      assert.equal(code, 2, `${path}: ${stderr}`);
      assert.match(stderr, expected);
      assert.equal(stderr.trim().split("\n").length, 1);
    }
  });

  it("deep nesting and prototype keys are refused by name, not obeyed", async () => {
    const deep = folder.write("deep.json", "[".repeat(100_000) + "]".repeat(100_000));
    const proto = folder.write("proto.json", '{"__proto__": {"port": 1}}');
    const ctor = folder.write("ctor.json", '{"discord": {"constructor": {"prototype": {"hideBots": false}}}}');
    const guilds = folder.write("guilds.json", '{"discord": {"guilds": {"__proto__": {"id": "x"}}}}');
    for (const [path, expected] of [[deep, /nested too deeply/], [proto, /: __proto__ is not a known key/], [ctor, /discord\.constructor is not a known key/], [guilds, /discord\.guilds\.__proto__ must be a Discord id/]] as const) {
      const { code, stderr } = await runCli(["--port", "0", "--config", path], {}, 10_000);
      assert.equal(code, 2, stderr);
      assert.match(stderr, expected);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
    }
  });
});
