/**
 * What a load client needs from a frame without decoding it: its type, read
 * from the first bytes, and the send stamp the producer hid in a message's
 * text. A join frame of a 20 000-member guild is megabytes; decoding or
 * JSON-parsing each one would measure the client, not the server.
 */

const encoder = new TextEncoder();
const HEAD = encoder.encode('{"type":"');
const TILDE = 126;

/** The bytes a frame of `type` starts with: `{"type":"<type>"`. */
export const typePrefix = (type: string): Uint8Array => encoder.encode(`{"type":"${type}"`);

/** Where the type's value starts in `{"type":"…"`: Python's json.dumps writes a space before it. */
const VALUE = HEAD.length - 1;

/**
 * Whether the payload starts with `prefix` (from `typePrefix`), also when a
 * space follows the colon (`{"type": "…"`), as the Python d-back writes it.
 */
export function startsWith(payload: Uint8Array, prefix: Uint8Array): boolean {
  const shift = payload[VALUE] === 32 ? 1 : 0;
  if (payload.length < prefix.length + shift) return false;
  for (let i = 0; i < prefix.length; i++) if (payload[i < VALUE ? i : i + shift] !== prefix[i]) return false;
  return true;
}

/** The frame's `type`, when it is the first key (d-back and the ceilings both write it first). */
export function frameType(payload: Uint8Array): string | undefined {
  if (!startsWith(payload, HEAD)) return undefined;
  const end = payload.indexOf(34, HEAD.length);
  return end < 0 ? undefined : String.fromCharCode(...payload.subarray(HEAD.length, end));
}

/**
 * The text of a benchmark message: `~<seq>~<stamp>~`, where `seq` numbers the
 * event (warm-up events come first) and `stamp` is the producer's clock at send
 * time in ms. `~` never occurs in ids, so the client finds it with indexOf.
 */
export const stampText = (seq: number, stamp: number): string => `~${seq}~${stamp.toFixed(3)}~`;

/** Reads an unsigned decimal (with an optional fraction) from `from` up to the next `~`. */
function number(p: Uint8Array, from: number): { value: number; end: number } | undefined {
  let whole = 0, frac = 0, scale = 1, i = from, dot = false;
  for (; i < p.length; i++) {
    const c = p[i]!;
    if (c === TILDE) break;
    if (c === 46 && !dot) dot = true;
    else if (c >= 48 && c <= 57) {
      if (dot) {
        frac = frac * 10 + (c - 48);
        scale *= 10;
      } else whole = whole * 10 + (c - 48);
    } else return undefined;
  }
  return i === from || i >= p.length ? undefined : { value: whole + frac / scale, end: i };
}

/** The sequence number and send stamp of a benchmark message, or undefined for any other frame. */
export function readStamp(payload: Uint8Array): { seq: number; stamp: number } | undefined {
  const a = payload.indexOf(TILDE);
  if (a < 0) return undefined;
  const seq = number(payload, a + 1);
  if (!seq) return undefined;
  const stamp = number(payload, seq.end + 1);
  return stamp ? { seq: seq.value, stamp: stamp.value } : undefined;
}

/**
 * A clock shared by processes on one machine, in ms with sub-ms precision:
 * each process's time origin plus its monotonic clock.
 */
export const now = (): number => performance.timeOrigin + performance.now();
