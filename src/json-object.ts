import * as v from "valibot";

/**
 * JSON objects as valibot schemas for files people write by hand. valibot
 * takes an array where an object is expected (`[]` reads as `{}`), and its
 * own text for an unknown key is not written for people; these two refuse
 * arrays and name an unknown key as one, so a typo cannot pass silently.
 */

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** An object with only these keys; any other key is reported at its own path as "is not a known key". */
export function strictJsonObject<const E extends v.ObjectEntries>(entries: E) {
  const schema = v.strictObject(entries, (issue) => issue.expected === "never" ? "is not a known key" : "must be an object");
  return v.pipe(v.custom<v.InferInput<typeof schema>>(isObject, "must be an object"), schema);
}

/** An object whose keys and values all follow the given schemas. */
export function jsonRecord<K extends v.GenericSchema<string, string>, V extends v.GenericSchema>(key: K, value: V, message: string) {
  const schema = v.record(key, value, message);
  return v.pipe(v.custom<v.InferInput<typeof schema>>(isObject, message), schema);
}
