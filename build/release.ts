/**
 * A release: the executable for every platform d-back ships on, cross-compiled
 * by Bun, named `d-back-<version>-<os>-<arch>[.exe]`, with a SHA256SUMS file
 * that `sha256sum -c` reads. The site (d-zone, or d-back's own page) is gathered
 * once and embedded in each.
 *
 * Bun fetches the runtime of a foreign target itself, from the npm registry
 * (the `@oven/bun-<os>-<arch>` packages, the same version as the compiling
 * Bun), into its install cache (~/.bun/install/cache); no GitHub download.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { VERSION } from "../src/version.ts";
import { type BuildOptions, buildExecutable, gatherSite, ROOT } from "./build.ts";
import { BuildError } from "./errors.ts";

/** Every platform of a release: its name in the file name, and Bun's target. */
export const platforms = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
  "windows-x64": "bun-windows-x64",
} as const;
export type Platform = keyof typeof platforms;

export interface ReleaseOptions extends Pick<BuildOptions, "dzone" | "noDzone" | "pin" | "cacheDir" | "workDir" | "log"> {
  /** Where the executables and SHA256SUMS go. Default `dist/release`; emptied first. */
  outDir?: string;
  /** Some platforms only (tests); every one by default. */
  platforms?: Platform[];
}

export interface Released {
  outDir: string;
  files: { platform: Platform; path: string; bytes: number; sha256: string }[];
  /** The SHA256SUMS file. */
  sums: string;
}

/** `d-back-0.1.0-linux-arm64`, `d-back-0.1.0-windows-x64.exe`. */
export const releaseName = (platform: Platform, version = VERSION): string =>
  `d-back-${version}-${platform}${platform.startsWith("windows") ? ".exe" : ""}`;

export async function buildRelease(o: ReleaseOptions): Promise<Released> {
  const chosen = o.platforms ?? (Object.keys(platforms) as Platform[]);
  for (const platform of chosen) if (!(platform in platforms)) throw new BuildError(`unknown platform ${platform}`);
  const outDir = o.outDir ?? join(ROOT, "dist", "release");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const site = await gatherSite(o);
  const files: Released["files"] = [];
  for (const platform of chosen) {
    const path = join(outDir, releaseName(platform));
    const built = await buildExecutable({ ...o, site, target: platforms[platform], out: path });
    const sha256 = createHash("sha256").update(readFileSync(built.outfile)).digest("hex");
    files.push({ platform, path: built.outfile, bytes: built.bytes, sha256 });
  }
  // The format `sha256sum -c` and `shasum -a 256 -c` read: hash, two spaces, file name.
  const sums = join(outDir, "SHA256SUMS");
  writeFileSync(sums, files.map((f) => `${f.sha256}  ${basename(f.path)}\n`).join(""));
  return { outDir, files, sums };
}
