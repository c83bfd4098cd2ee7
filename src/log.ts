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

/**
 * Characters a log line must not carry raw: C0 and C1 controls (terminal
 * escapes, BEL, CR LF that would forge a second line), DEL, and the Unicode
 * line and paragraph separators.
 */
// deno-lint-ignore no-control-regex
const unsafe = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
// deno-lint-ignore no-control-regex
const needsQuotes = /[\s"=\\\x00-\x1f\x7f-\x9f\u2028\u2029]/;

const hex = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * Any text as one safe token of a log line: left bare when it is plain,
 * otherwise quoted with `"` and `\` escaped and every control character
 * written as `\uXXXX`, so whatever a client sent reads back unambiguously
 * and can neither move the cursor, ring a bell, nor start a new line.
 */
export function logValue(text: string): string {
  if (text !== "" && !needsQuotes.test(text)) return text;
  return `"${text.replace(/["\\]/g, (ch) => `\\${ch}`).replace(unsafe, hex)}"`;
}

/** One line per event: `2026-11-25T18:31:39.000Z INFO viewer joined guild=… viewers=3`. */
export function format(level: Exclude<Level, "silent">, message: string, fields?: Fields): string {
  let line = `${new Date().toISOString()} ${level.toUpperCase()} ${message.replace(unsafe, hex)}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      line += ` ${key.replace(unsafe, hex)}=${logValue(String(value))}`;
    }
  }
  return line;
}

/**
 * The same event as one JSON object: `{"time":…,"level":"info","message":"viewer joined","guild":…}`.
 * A field never overwrites time, level or message; one named like them is kept as `field.<name>`,
 * so the line holds what the text line holds.
 */
function formatJson(level: Exclude<Level, "silent">, message: string, fields?: Fields): string {
  const entry: Record<string, unknown> = { time: new Date().toISOString(), level, message };
  if (fields) for (const [key, value] of Object.entries(fields)) entry[Object.hasOwn(entry, key) ? `field.${key}` : key] = value;
  // JSON escapes C0 controls itself; C1 controls and the line separators are escaped alike here.
  return JSON.stringify(entry).replace(unsafe, hex);
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
