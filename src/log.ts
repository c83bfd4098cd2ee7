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

/** A logger that writes lines at or above `min` to `write` (stderr by default). */
export function createLogger(min: Level = "info", write: (line: string) => void = (line) => console.error(line)): Logger {
  const rank = levels.indexOf(min);
  const at = (level: Exclude<Level, "silent">) =>
    levels.indexOf(level) >= rank ? (message: string, fields?: Fields) => write(format(level, message, fields)) : () => {};
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
