import * as v from "valibot";

/**
 * An OAuth2 bearer token as RFC 6750 writes one (`b64token`): letters,
 * digits and `-._~+/`, then optional `=`. Anything else (CR LF, NUL, spaces)
 * is no token Discord issues, and could not be sent in a header as it is.
 */
export const BearerToken = v.pipe(v.string(), v.regex(/^[A-Za-z0-9\-._~+/]+=*$/));

/** Whether `token` is shaped like a bearer token (see `BearerToken`). */
export const isBearerToken = (token: string): boolean => v.is(BearerToken, token);
