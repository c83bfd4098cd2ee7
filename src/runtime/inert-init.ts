import type { WSContextInit } from "hono/ws";

/**
 * An init for hono's `WSContext` that does nothing. hono calls the methods of
 * the init each context is given; an adapter's socket class that overrides
 * `send`, `close` and `readyState` itself (`BunContext`, `DenoSocket`) hands
 * this one to every socket instead of an object and closures of its own, as
 * thousands of idle viewers each hold a context.
 */
export const inertInit: WSContextInit<never> = { send() {}, close() {}, readyState: 3 };
