import * as v from "valibot";
import { describeIssue } from "./protocol/issues.ts";

/** A broadcast payload that failed validation; the message names the field. */
export class InvalidPayloadError extends TypeError {
  override name = "InvalidPayloadError";
}

/** `value` as `schema` makes it, or an `InvalidPayloadError` naming the method (`what`) and the field. */
export function checkPayload<S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (!result.success) throw new InvalidPayloadError(`${what}: ${describeIssue(result.issues[0])}`);
  return result.output;
}
