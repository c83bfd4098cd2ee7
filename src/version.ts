import pkg from "../package.json" with { type: "json" };

/** The d-back version, from package.json (one place to bump). */
export const VERSION: string = pkg.version;
