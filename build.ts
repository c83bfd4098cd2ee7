/**
 * Builds the single-file d-back executable into dist/.
 *
 * Not built yet: the executable that bundles d-zone and the mock data is
 * issue #3. Until then this says so and fails, rather than pretending.
 */
import process from "node:process";

console.error("build.ts: the single-binary build is not implemented yet (issue #3); run from source with `npm start` or `deno task dev`.");
process.exit(1);
