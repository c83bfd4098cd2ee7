import * as v from "valibot";
import { ErrorText } from "./errors.ts";
import { describeIssue } from "./issues.ts";

const text = (max: number) =>
  v.nullish(v.pipe(v.string("must be a string"), v.maxLength(max, `must be at most ${max} characters`)));

/**
 * A JSON object and nothing else: valibot's `object` alone also takes an
 * array. `undefined` is let through to `object`, which reports it as missing.
 */
const plainObject = <E extends v.ObjectEntries>(entries: E, message: string) =>
  v.pipe(
    v.custom<Record<string, unknown> | undefined>(
      (value) => value === undefined || (typeof value === "object" && value !== null && !Array.isArray(value)),
      message,
    ),
    v.object(entries, message),
  );

/**
 * `connect`, the only request a viewer sends. Optional fields may be absent
 * or `null`; anything else of the wrong type is refused with a message that
 * names the field. `discordUser` keeps only what d-back reads.
 */
export const Connect = v.object({
  type: v.literal("connect"),
  data: plainObject({
    server: v.nullish(
      v.union([
        v.pipe(v.string(), v.maxLength(128, "must be at most 128 characters")),
        v.pipe(v.number(), v.finite("must be a finite number")),
      ], "must be a string, a number or null"),
    ),
    password: text(1024),
    discordToken: text(4096),
    discordUser: v.nullish(plainObject({ id: text(64), username: text(256) }, "must be an object")),
  }, "must be an object"),
});
export type Connect = v.InferOutput<typeof Connect>;

export type Parsed = { ok: true; message: Connect } | { ok: false; error: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads one WebSocket frame as JSON: text as it is, binary as UTF-8. Fails
 * with the protocol's texts for bad UTF-8 and for text that is not JSON.
 */
export function readJsonFrame(
  frame: string | ArrayBuffer | ArrayBufferView,
): { ok: true; value: unknown } | { ok: false; error: string } {
  let body: string;
  try {
    body = typeof frame === "string" ? frame : utf8.decode(frame);
  } catch {
    return { ok: false, error: ErrorText.invalidBinary };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, error: ErrorText.invalidJson };
  }
}

/** Reads one inbound frame into a `connect`, or into the error text to answer with. */
export function parseFrame(frame: string | ArrayBuffer | ArrayBufferView): Parsed {
  const json = readJsonFrame(frame);
  if (!json.ok) return json;
  const value = json.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: ErrorText.notAnObject };
  }
  if ((value as { type?: unknown }).type !== "connect") return { ok: false, error: ErrorText.unknownType };
  const result = v.safeParse(Connect, value, { abortEarly: true });
  if (result.success) return { ok: true, message: result.output };
  return { ok: false, error: `Malformed connect: ${describeIssue(result.issues[0])}` };
}
