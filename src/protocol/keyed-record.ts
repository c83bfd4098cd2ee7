import * as v from "valibot";

/**
 * An object keyed by outside input (guild ids, uids), checked key by key and
 * value by value. Unlike `v.record`, which skips the keys `__proto__`,
 * `constructor` and `prototype` without a word, every own key is kept: a
 * member whose uid is `__proto__` is a member like any other. Each key is
 * written as an own data property (never through the `__proto__` setter), so
 * the output can be read with `Object.entries` or turned into a `Map` safely.
 * Arrays are refused: a record would take one as an empty object.
 */
export function keyedRecord<V extends v.GenericSchema>(key: v.GenericSchema<string, string>, value: V, message: string) {
  return v.pipe(
    v.custom<Record<string, v.InferInput<V>>>((x) => typeof x === "object" && x !== null && !Array.isArray(x), message),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const input = dataset.value as Record<string, unknown>;
      const output: Record<string, v.InferOutput<V>> = {};
      let ok = true;
      for (const name of Object.keys(input)) {
        const item = input[name];
        const at: v.ObjectPathItem = { type: "object", origin: "value", input, key: name, value: item };
        const checkedKey = v.safeParse(key, name);
        if (!checkedKey.success) {
          ok = false;
          addIssue({ message: `key ${checkedKey.issues[0].message}`, path: [{ ...at, origin: "key" }] });
          continue;
        }
        const checked = v.safeParse(value, item);
        if (!checked.success) {
          ok = false;
          for (const issue of checked.issues) addIssue({ message: issue.message, path: [at, ...(issue.path ?? [])] });
          continue;
        }
        Object.defineProperty(output, name, { value: checked.output, enumerable: true, writable: true, configurable: true });
      }
      return ok ? output : NEVER;
    }),
  );
}
