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

/**
 * An object whose keys and values all follow the given schemas, checked key
 * by key. Unlike `v.record`, which skips the keys `__proto__`, `constructor`
 * and `prototype` without a word, every own key is kept: a member whose uid
 * is `__proto__` is a member like any other (and a guild setting under such a
 * key is checked, not dropped). Each key is written as an own data property,
 * never through the `__proto__` setter, so the output can be read with
 * `Object.entries` or turned into a `Map` safely.
 */
export function jsonRecord<V extends v.GenericSchema>(key: v.GenericSchema<string, string>, value: V, message: string) {
  return v.pipe(
    v.custom<Record<string, v.InferInput<V>>>(isObject, message),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const input = dataset.value;
      const output: Record<string, v.InferOutput<V>> = {};
      let ok = true;
      for (const name of Object.keys(input)) {
        const item = input[name];
        const at: v.ObjectPathItem = { type: "object", origin: "value", input, key: name, value: item };
        const checkedKey = v.safeParse(key, name);
        const checked = checkedKey.success ? v.safeParse(value, item) : undefined;
        if (!checkedKey.success) addIssue({ message: checkedKey.issues[0].message, path: [{ ...at, origin: "key" }] });
        else if (!checked!.success) for (const issue of checked!.issues) addIssue({ message: issue.message, path: [at, ...(issue.path ?? [])] });
        else Object.defineProperty(output, name, { value: checked!.output, enumerable: true, writable: true, configurable: true });
        ok &&= checked?.success === true;
      }
      return ok ? output : NEVER;
    }),
  );
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
