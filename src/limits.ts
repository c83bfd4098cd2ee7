import type { SocketLimits } from "./runtime/types.ts";

/**
 * What one viewer, one address, or everyone together may cost the server.
 * The defaults live here once; the command line (src/cli/options.ts) and
 * `ServerOptions.limits` both start from them.
 */
export interface Limits {
  /** Largest inbound frame, in bytes; a larger one closes the socket with 1009. */
  maxFrameBytes: number;
  /** Inbound frames per second a viewer may send on average; 0 turns the limit off. */
  ratePerSecond: number;
  /** Frames a viewer may send at once before the rate applies. */
  rateBurst: number;
  /** Open viewers in total; the next upgrade gets HTTP 503. 0: no limit. */
  maxConnections: number;
  /** Open viewers per remote address; the next upgrade gets HTTP 429. 0: no limit. */
  maxConnectionsPerAddress: number;
  /** Unsent bytes queued for one viewer before it is closed with 1013. */
  maxBufferedBytes: number;
  /** Seconds a viewer may stay silent (no pong to a ping) before it is closed. */
  idleTimeoutSeconds: number;
  /**
   * Seconds a connection may take to deliver a whole request (and may then
   * stay idle between requests) before it is dropped; a WebSocket upgrade
   * that never opens gives its place back after as long.
   */
  headerTimeoutSeconds: number;
}

export const defaultLimits: Readonly<Limits> = {
  maxFrameBytes: 64 * 1024,
  ratePerSecond: 20,
  rateBurst: 40,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 100,
  maxBufferedBytes: 1024 * 1024,
  idleTimeoutSeconds: 30,
  headerTimeoutSeconds: 10,
};

/** Largest ingest request body (and ingest socket frame) when `ServerOptions.ingest.maxBytes` and --ingest-max-bytes are not given. */
export const defaultIngestMaxBytes = 1024 * 1024;

/** The ingest API's body limit, up to which an ingest socket's frames may go; 0 when the API is off. */
export const ingestBodyLimit = (ingest: { maxBytes?: number } | undefined): number =>
  ingest ? ingest.maxBytes ?? defaultIngestMaxBytes : 0;

/**
 * What the runtime enforces on every socket of the public port. Viewers are
 * held to their own frame limit above this (`UpgradeOptions`); the port lets
 * frames through up to the ingest body limit, which one batch may fill.
 */
export function portLimits(limits: Limits, ingest: { maxBytes?: number } | undefined): SocketLimits {
  const { maxFrameBytes, maxBufferedBytes, idleTimeoutSeconds, headerTimeoutSeconds } = limits;
  return { maxFrameBytes: Math.max(maxFrameBytes, ingestBodyLimit(ingest)), maxBufferedBytes, idleTimeoutSeconds, headerTimeoutSeconds };
}

/** `defaultLimits` with every limit that `given` sets (an undefined one keeps its default). */
export function withDefaults(given: Partial<Limits> = {}): Limits {
  const limits = { ...defaultLimits };
  for (const [key, value] of Object.entries(given) as [keyof Limits, number | undefined][]) {
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/**
 * WebSocket close codes d-back uses (RFC 6455 §7.4.1 and the IANA registry),
 * with the reason text sent along.
 */
export const Close = {
  goingAway: { code: 1001, reason: "going away" },
  policy: { code: 1008, reason: "too many messages" },
  tooBig: { code: 1009, reason: "frame too large" },
  internal: { code: 1011, reason: "internal error" },
  tryAgainLater: { code: 1013, reason: "too slow: unsent data over the limit" },
} as const;
