/**
 * Turning the generated entry into one executable, with Bun (`bun build
 * --compile`) or Deno (`deno compile`). Either compiler's failure is reported
 * in one line; Deno's most likely one, that it cannot download the `denort`
 * runtime it builds on, is named as such with what to do about it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { BuildError, oneLine } from "./errors.ts";

export type Compiler = "bun" | "deno";

export interface CompileOptions {
  compiler: Compiler;
  /** The generated entry module. */
  entry: string;
  outfile: string;
  /** A cross-compilation target; the build machine's own platform when absent. */
  target?: string;
  /** The repository root: node_modules/.bin and deno.json live there. */
  root: string;
}

/** The compiler's binary: this process when it is that runtime, else the project's own, else PATH. */
function binary(compiler: Compiler, root: string): string {
  const running = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : undefined;
  if (running === compiler) return process.execPath;
  const local = join(root, "node_modules", ".bin", compiler);
  return existsSync(local) ? local : compiler;
}

/** The compiler's arguments. */
export function compileArgs(o: CompileOptions): string[] {
  if (o.compiler === "bun") {
    return [
      "build",
      o.entry,
      "--compile",
      "--minify",
      // Precompiled bytecode: about 20 ms less from start to first answer, for about 3.5 MB more.
      "--bytecode",
      // The executable behaves the same in every folder: no .env or bunfig.toml picked up from where it runs.
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      ...(o.target ? [`--target=${o.target}`] : []),
      "--outfile",
      o.outfile,
    ];
  }
  return [
    "compile",
    "--no-check", // `deno check` covers the sources; the generated asset JSON is data, not worth type-checking
    "--allow-net",
    "--allow-read",
    "--allow-env",
    "--config",
    join(o.root, "deno.json"),
    ...(o.target ? ["--target", o.target] : []),
    "--output",
    o.outfile,
    o.entry,
  ];
}

/** Runs the compiler; resolves when the executable is written, or throws a one-line `BuildError`. */
export function compile(o: CompileOptions): Promise<void> {
  const command = binary(o.compiler, o.root);
  return new Promise((resolve, reject) => {
    const child = spawn(command, compileArgs(o), {
      cwd: o.root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let output = "";
    child.stdout!.on("data", (chunk) => output += chunk);
    child.stderr!.on("data", (chunk) => output += chunk);
    child.on("error", (error) => reject(new BuildError(`cannot run ${o.compiler} (${command}): ${error.message}; run \`npm install\` first`)));
    child.on("close", (code) => {
      if (code === 0) return resolve();
      reject(new BuildError(explain(o, output, code)));
    });
  });
}

/** One line that says why a compiler failed, from its output. */
export function explain(o: Pick<CompileOptions, "compiler" | "target">, output: string, code: number | null): string {
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const lines = plain.split("\n").map((line) => line.trim()).filter(Boolean);
  const error = lines.find((line) => /^error\b/i.test(line)) ?? lines.at(-1) ?? `exit code ${code}`;
  if (o.compiler === "deno" && /denort/i.test(plain)) {
    const why = (lines.find((line) => /dns error|connect|timed out|certificate|404/i.test(line)) ?? error).replace(/^\d+:\s*/, "");
    return oneLine(
      `deno compile needs the denort runtime${o.target ? ` for ${o.target}` : ""} and could not download it from dl.deno.land (${why}); ` +
        "run it once where that host is reachable (Deno caches it), set DENORT_BIN to a denort binary, or use --compiler bun",
    );
  }
  return oneLine(`${o.compiler} ${o.compiler === "bun" ? "build --compile" : "compile"} failed: ${error}`);
}
