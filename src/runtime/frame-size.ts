const encoder = new TextEncoder();

/**
 * Whether a frame, as it came off the wire, is larger than `max` bytes. A
 * string is encoded only when its length leaves it in doubt: UTF-8 takes at
 * least one byte per UTF-16 unit, and at most `mostBytes`.
 */
export function tooLarge(data: string | ArrayBuffer | ArrayBufferView, max: number): boolean {
  if (typeof data !== "string") return data.byteLength > max;
  if (data.length > max) return true;
  if (mostBytes(data) <= max) return false;
  return encoder.encode(data).byteLength > max;
}

/** At most how many bytes `data` takes once encoded, without encoding it (UTF-8: three per UTF-16 unit at most). */
export function mostBytes(data: string | ArrayBuffer | ArrayBufferView): number {
  return typeof data === "string" ? data.length * 3 : data.byteLength;
}
