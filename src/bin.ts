#!/usr/bin/env bun
/**
 * The `d-back` command of the npm package (`bunx d-back`, `npx d-back` with Bun
 * installed): the same command line as `npm start`, on Bun.
 */
import process from "node:process";
import { runMain } from "./main.ts";

runMain(process.argv.slice(2));
