/**
 * The cold-start floor: the ceiling of this runtime, started only after
 * loading what d-back must load before it can answer anything — hono (its
 * HTTP layer), valibot (every flag and variable is validated) and the Node
 * APIs its runtime-agnostic core uses instead of `Deno.*`/`Bun.*`
 * (`parseArgs`, `process`, `fs`, `path`). No d-back module is loaded. The
 * cold-start scenario times it beside the ceiling, so the share of d-back's
 * start that is its libraries, and the share that is its own code, are
 * measured, not guessed.
 *
 *   bun bench/ceiling/with-libraries.ts --port 0 --static-dir DIR
 */
import "hono";
import "valibot";
import "node:util";
import "node:process";
import "node:fs";
import "node:path";

await import("Deno" in globalThis ? "./deno.ts" : "./bun.ts");
