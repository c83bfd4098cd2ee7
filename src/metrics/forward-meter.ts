import { type Meter, noMeter } from "./meter.ts";

/**
 * A meter that hands every count to another one, set later: the core is
 * built with its meter before the metrics library has loaded (it loads at
 * start, and only when there is an admin port). Until `to` is set the
 * counts go to `noMeter`.
 */
export class ForwardMeter implements Meter {
  to: Meter = noMeter;

  event(source: string, type: string, apply: () => boolean): boolean {
    return this.to.event(source, type, apply);
  }

  delivered(viewers: number, frame: string): void {
    this.to.delivered(viewers, frame);
  }

  refused(reason: string): void {
    this.to.refused(reason);
  }

  closed(code: number): void {
    this.to.closed(code);
  }

  signIn(result: "accepted" | "refused" | "limited"): void {
    this.to.signIn(result);
  }

  ingest(status: number): void {
    this.to.ingest(status);
  }
}
