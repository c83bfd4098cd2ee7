/**
 * The error texts a viewer can receive. The first six are part of the wire
 * contract: d-zone and existing tests compare them verbatim, so they must never
 * be reworded.
 */
export const ErrorText = {
  invalidJson: "Invalid JSON",
  invalidBinary: "Invalid binary encoding",
  unknownType: "Unknown event type",
  unknownServer: "Sorry, couldn't connect to that Discord server.",
  authFailed: "Discord authentication failed. Please try logging in again.",
  authRequired: "This server requires Discord authentication. Please login with Discord.",
  /** Valid JSON that is not an object (an array, a string, a number, null). */
  notAnObject: "Invalid message: expected a JSON object with a \"type\" field",
  /** The data source failed (threw, timed out) while answering this request. */
  sourceFailed: "The server could not load that Discord server right now. Please try again.",
  /** Too many refused sign-ins (Discord or password) from this connection or address within a minute. */
  tooManyAttempts: "Too many failed sign-in attempts. Please wait a minute and try again.",
  /** The viewer sent frames faster than its rate limit; the frame was not acted on. */
  tooManyMessages: "Too many messages: slow down and send again in a moment.",
} as const;
