/**
 * The benchmark suite (issue #7). Not written yet: this says so and fails,
 * rather than printing numbers that measure nothing.
 */
import process from "node:process";

console.error("bench: the benchmark suite is not implemented yet (issue #7).");
process.exit(1);
