import type { Runtime } from "./types.ts";

export type { Listening, Runtime } from "./types.ts";
export { AddressInUseError, ListenError } from "./types.ts";

/** The adapter for the runtime this process runs on. */
export async function detectRuntime(): Promise<Runtime> {
  if ("Bun" in globalThis) return (await import("./bun/runtime.ts")).createBunRuntime();
  if ("Deno" in globalThis) return (await import("./deno/runtime.ts")).createDenoRuntime();
  throw new Error("d-back runs on Deno or Bun, and this runtime is neither");
}
