import type { Event } from "../../protocol/events.ts";
import type { Writes } from "../../state/writes.ts";
import { type Meter, noMeter } from "../../metrics/meter.ts";

/**
 * Writes one checked event into state, which tells the guild's viewers.
 * Returns false when the guild is unknown (nothing is written then).
 */
export function applyEvent(state: Writes, event: Event, meter: Meter = noMeter): boolean {
  return meter.event("ingest", event.type, () => {
    switch (event.type) {
      case "presence":
        return state.presence(event.server, event.data);
      case "message":
        return state.message(event.server, event.data);
      case "update-clientid":
        return state.clientId(event.server, event.data.clientId);
    }
  });
}
