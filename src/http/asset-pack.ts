import * as v from "valibot";
import { isRootPath } from "./safe-path.ts";

/** The content codings a packed file may carry besides `identity`. */
export const Encoding = v.picklist(["br", "gzip", "identity"]);
export type Encoding = v.InferOutput<typeof Encoding>;

const RootPath = v.pipe(v.string(), v.check(isRootPath, "must be a path a request can name"));
const StrongTag = v.pipe(v.string(), v.regex(/^"[\x21\x23-\x7e]+"$/, "must be a strong entity tag"));

/** One representation of a file: its coding, its bytes (base64) and a strong tag of those very bytes. */
const Variant = v.object({ encoding: Encoding, etag: StrongTag, base64: v.string() });

const PackedFile = v.object({
  type: v.string(),
  /** Smallest first, so that on equal preference the client gets the fewest bytes. */
  variants: v.pipe(
    v.array(Variant),
    v.check((variants) => variants.some((variant) => variant.encoding === "identity"), "must include identity"),
  ),
});

/**
 * Static files as an executable carries them. build.ts writes a pack as JSON
 * (compressed and tagged at build time, so start-up does neither); `MemoryRoot`
 * reads it. JSON, because both runtimes and both compilers import it alike.
 */
export const AssetPack = v.object({
  /** What the pack holds, for the start-up log line: e.g. `embedded d-zone 0.1.7`. */
  description: v.string(),
  files: v.record(RootPath, PackedFile),
});
export type AssetPack = v.InferOutput<typeof AssetPack>;
export type PackedFile = v.InferOutput<typeof PackedFile>;
