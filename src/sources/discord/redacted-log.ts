import type { Fields, Logger } from "../../log.ts";

/**
 * The Discord source's logger, with the bot token cut out of every message
 * and field. The gateway decides much of what is logged (the bot's name,
 * error texts, a REST body that may echo the Authorization header); this
 * makes "the token is never logged" hold whatever it sends, instead of
 * depending on each call site.
 */
export function redactedLog(log: Logger, token: string): Logger {
  const cut = (text: string) => token && text.includes(token) ? text.split(token).join("[token]") : text;
  const fields = (given: Fields | undefined): Fields | undefined => {
    if (!given) return given;
    const out: Fields = {};
    for (const [key, value] of Object.entries(given)) out[key] = typeof value === "string" ? cut(value) : value;
    return out;
  };
  return {
    debug: (message, f) => log.debug(cut(message), fields(f)),
    info: (message, f) => log.info(cut(message), fields(f)),
    warn: (message, f) => log.warn(cut(message), fields(f)),
    error: (message, f) => log.error(cut(message), fields(f)),
  };
}
