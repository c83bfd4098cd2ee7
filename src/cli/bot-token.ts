import * as v from "valibot";

const SHAPE = "must be a bot token as the Developer Portal shows it (three parts joined by dots; Bot → Reset Token)";
const TOKEN = /^[\w-]{16,}\.[\w-]{4,}\.[\w-]{16,}$/;

/**
 * What is wrong with a value that is not a bot token, named after the usual
 * slips of copying one (a "Bot " prefix, quotes, a stray space, the client
 * secret instead), in words that never repeat the value: it is a secret.
 */
export function botTokenProblem(value: string): string | undefined {
  if (value.length <= 512 && TOKEN.test(value)) return undefined;
  if (/^bot\s/i.test(value)) return `${SHAPE}; leave out the "Bot " in front`;
  if (/^["'`]|["'`]$/.test(value)) return `${SHAPE}; leave out the quotes around it`;
  if (/\s/.test(value)) return `${SHAPE}; it holds a space or a line break`;
  if (!value.includes(".")) return `${SHAPE}; it has no dots (the client secret and the public key are not the token)`;
  return SHAPE;
}

/** A bot token as the Developer Portal shows it: three base64url parts joined by dots. */
export const BotToken = v.pipe(
  v.string(),
  v.check((value) => botTokenProblem(value) === undefined, (issue) => botTokenProblem(String(issue.input)) ?? SHAPE),
);
