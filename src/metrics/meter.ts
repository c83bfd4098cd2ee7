/**
 * What the core tells the metrics, at the few points where something worth
 * counting happens. One call per point; the core never names the metrics
 * library or the runtime. `noMeter` (the default) makes every call free.
 */
export interface Meter {
  /**
   * One event from a source (`mock`, `library`, `ingest`, …) of a type
   * (`presence`, `message`, `update-clientid`): counted, and `apply` (state,
   * then the hub's hand-off to the sockets) timed. Returns what `apply` returns.
   */
  event(source: string, type: string, apply: () => boolean): boolean;
  /** `frame` handed to `viewers` sockets (a broadcast) or to one (a reply). */
  delivered(viewers: number, frame: string): void;
  /** An upgrade turned away, and why (`server_full`, `address_limit`, `stopping`, `bad_upgrade`). */
  refused(reason: string): void;
  /** A viewer's socket closed with this code. */
  closed(code: number): void;
  /** A sign-in to a passworded guild: `accepted`, `refused` or `limited`. */
  signIn(result: "accepted" | "refused" | "limited"): void;
  /** An ingest API request answered with this status. */
  ingest(status: number): void;
}

export const noMeter: Meter = {
  event: (_source, _type, apply) => apply(),
  delivered() {},
  refused() {},
  closed() {},
  signIn() {},
  ingest() {},
};
