#!/usr/bin/env bun
/**
 * The `d-back` command of the npm package (`bunx d-back`): the same command
 * line as `npm start`, run by the `bun` its first line names.
 */
import process from "node:process";
import { runMain } from "./main.ts";

runMain(process.argv.slice(2));
