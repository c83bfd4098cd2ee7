/** Log levels, least to most severe; `silent` turns logging off. */
export const levels = ["debug", "info", "warn", "error", "silent"] as const;
export type Level = typeof levels[number];

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

/** How each line is written: `text` for people, `json` (one object per line) for log collectors. */
export const logFormats = ["text", "json"] as const;
export type LogFormat = typeof logFormats[number];

/** One line per event: `2026-11-25T18:31:39.000Z INFO viewer joined guild=… viewers=3`. */
export function format(level: Exclude<Level, "silent">, message: string, fields?: Fields): string {
  let line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const text = String(value);
      line += ` ${key}=${/[\s"=]/.test(text) || text === "" ? JSON.stringify(text) : text}`;
    }
  }
  return line;
}

/**
 * The same event as one JSON object: `{"time":…,"level":"info","message":"viewer joined","guild":…}`.
 * A field never overwrites time, level or message.
 */
export function formatJson(level: Exclude<Level, "silent">, message: string, fields?: Fields): string {
  const entry: Record<string, unknown> = { time: new Date().toISOString(), level, message };
  if (fields) for (const [key, value] of Object.entries(fields)) if (!(key in entry)) entry[key] = value;
  return JSON.stringify(entry);
}

/** A logger that writes lines at or above `min` to `write` (stderr by default), as text or JSON. */
export function createLogger(
  min: Level = "info",
  write: (line: string) => void = (line) => console.error(line),
  style: LogFormat = "text",
): Logger {
  const rank = levels.indexOf(min);
  const render = style === "json" ? formatJson : format;
  const at = (level: Exclude<Level, "silent">) =>
    levels.indexOf(level) >= rank ? (message: string, fields?: Fields) => write(render(level, message, fields)) : () => {};
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
