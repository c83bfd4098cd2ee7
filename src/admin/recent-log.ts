import type { Fields, Logger } from "../log.ts";

/** One warning or error, as the operator page shows it. */
export interface LogEntry {
  time: string;
  level: "warn" | "error";
  message: string;
  fields: Record<string, string>;
}

/** Long values are cut: a log field is a hint for the operator, not a place for payloads. */
const cut = (value: string) => (value.length > 200 ? `${value.slice(0, 199)}…` : value);

/**
 * The last few warnings and errors, whatever the log level, for the operator
 * page. d-back never logs secrets, so what is kept here holds none either;
 * the page shows it as text, never as HTML.
 */
export class RecentLog {
  #entries: LogEntry[] = [];
  #size: number;

  constructor(size = 50) {
    this.#size = size;
  }

  /** `logger`, with its warnings and errors also kept here. */
  wrap(logger: Logger): Logger {
    const keep = (level: LogEntry["level"]) => (message: string, fields?: Fields) => {
      this.#add(level, message, fields);
      logger[level](message, fields);
    };
    return { debug: (m, f) => logger.debug(m, f), info: (m, f) => logger.info(m, f), warn: keep("warn"), error: keep("error") };
  }

  /** Oldest first. */
  entries(): readonly LogEntry[] {
    return this.#entries;
  }

  #add(level: LogEntry["level"], message: string, fields: Fields = {}): void {
    const kept: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) kept[key] = cut(String(value));
    this.#entries.push({ time: new Date().toISOString(), level, message: cut(message), fields: kept });
    if (this.#entries.length > this.#size) this.#entries.shift();
  }
}
