import * as v from "valibot";

/**
 * JSON objects as valibot schemas for files people write by hand. valibot
 * takes an array where an object is expected (`[]` reads as `{}`), and its
 * own text for an unknown key is not written for people; these two refuse
 * arrays and name an unknown key as one, with the known key it was probably
 * meant to be, so a typo cannot pass silently.
 */

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** An object with only these keys; any other key is reported at its own path as "is not a known key". */
export function strictJsonObject<const E extends v.ObjectEntries>(entries: E) {
  const known = Object.keys(entries);
  const schema = v.strictObject(entries, (issue) => {
    if (issue.expected !== "never") return "must be an object";
    const meant = typeof issue.input === "string" ? closest(issue.input, known) : undefined;
    return meant ? `is not a known key (did you mean ${meant}?)` : "is not a known key";
  });
  return v.pipe(v.custom<v.InferInput<typeof schema>>(isObject, "must be an object"), schema);
}

/** An object whose keys and values all follow the given schemas. */
export function jsonRecord<K extends v.GenericSchema<string, string>, V extends v.GenericSchema>(key: K, value: V, message: string) {
  const schema = v.record(key, value, message);
  return v.pipe(v.custom<v.InferInput<typeof schema>>(isObject, message), schema);
}

/** The known key a typo was meant to be: the same but for case, dashes and underscores, else at most two edits away. */
function closest(key: string, known: string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const same = known.find((k) => plain(k) === plain(key));
  if (same) return same;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(plain(k), plain(key));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
