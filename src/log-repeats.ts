import type { Fields, Logger } from "./log.ts";

/** How often repeats are summed up, in ms. */
export const REPEAT_INTERVAL_MS = 10_000;
/** Keys (addresses) followed at once; past this, repeats from new keys are summed up under one line. */
const MAX_KEYS = 10_000;

/**
 * Keeps a flood of refusals from flooding the log: the first refusal from a
 * key (a remote address) is logged as it happens; further ones within the
 * interval are only counted, and when the interval ends one line per key says
 * how many there were (`repeated=N`). 2 000 refused requests from one address
 * in half a second make two lines, not 2 000. Memory is bounded: a key is
 * forgotten once an interval passes without a repeat, and past `MAX_KEYS`
 * keys, newcomers' repeats are summed up together under `addr=others`.
 */
export class RepeatedLines {
  #log: Logger;
  #level: "warn" | "info" | "debug";
  #message: string;
  #intervalMs: number;
  /** The field the key is logged as: `addr` for addresses, `event` for a gateway's event names. */
  #keyName: string;
  /** Per key: repeats not logged yet, and the fields of the last one. */
  #keys = new Map<string, { repeats: number; fields: Fields }>();
  #others = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(log: Logger, level: "warn" | "info" | "debug", message: string, intervalMs = REPEAT_INTERVAL_MS, keyName = "addr") {
    this.#log = log;
    this.#keyName = keyName;
    this.#level = level;
    this.#message = message;
    this.#intervalMs = intervalMs;
  }

  /** One more refusal from `addr`. */
  note(addr: string, fields: Fields = {}): void {
    const seen = this.#keys.get(addr);
    if (seen) {
      seen.repeats++;
      seen.fields = fields;
    } else if (this.#keys.size >= MAX_KEYS) {
      this.#others++;
    } else {
      this.#keys.set(addr, { repeats: 0, fields });
      this.#log[this.#level](this.#message, { [this.#keyName]: addr, ...fields });
    }
    this.#timer ??= setTimeout(() => this.flush(), this.#intervalMs);
  }

  /**
   * Writes the repeats counted so far (one line per key) and starts a new
   * interval; keys that had none are forgotten. Called by the timer, and at
   * shutdown so no count is lost.
   */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [addr, seen] of this.#keys) {
      if (seen.repeats === 0) {
        this.#keys.delete(addr);
        continue;
      }
      this.#log[this.#level](`${this.#message} (repeated)`, { [this.#keyName]: addr, ...seen.fields, repeated: seen.repeats });
      seen.repeats = 0;
    }
    if (this.#others) this.#log[this.#level](`${this.#message} (repeated)`, { [this.#keyName]: "others", repeated: this.#others });
    this.#others = 0;
    if (this.#keys.size) this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
  }

  /** Writes what is left and stops the timer (shutdown). */
  close(): void {
    this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#keys.clear();
  }
}
