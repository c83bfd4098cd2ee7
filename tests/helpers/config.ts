import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** A temporary folder to write config files into; `remove()` when done. */
export function configFolder(): { dir: string; write(name: string, content: unknown): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "dback-config-"));
  return {
    dir,
    /** Writes `content` (text as it is, anything else as JSON) and returns the file's path. */
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The example config file in README.md's "Config file" section, as written there. */
export function readmeConfigExample(): string {
  const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
  const section = readme.split("\n## Config file\n")[1]?.split("\n## ")[0];
  const example = section && /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!example) throw new Error("README.md has no json example in its Config file section");
  return example;
}
