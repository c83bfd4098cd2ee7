import type { Limits } from "./limits.ts";

/** Why an upgrade is turned away: an HTTP status and a body a person can read. */
export interface Refusal {
  status: 429 | 503;
  /** A short name for metrics. */
  reason: "stopping" | "server_full" | "address_limit";
  text: string;
}

/** A place held by one connection, from its upgrade until it closes (or its upgrade fails). */
export interface Ticket {
  readonly address: string;
  /** Gives the place back; later calls do nothing. */
  release(): void;
}

/**
 * Counts connections in total and per remote address, and decides at the
 * upgrade whether one more may open. A place is taken when the upgrade is
 * let through, not when the socket opens, so a crowd upgrading at the same
 * instant cannot slip past the limit between the two.
 */
export class Admission {
  #limits: Pick<Limits, "maxConnections" | "maxConnectionsPerAddress">;
  #total = 0;
  #byAddress = new Map<string, number>();
  #closed = false;

  constructor(limits: Pick<Limits, "maxConnections" | "maxConnectionsPerAddress">) {
    this.#limits = limits;
  }

  /** Takes a place for a connection from `address`, or says why there is none. */
  admit(address: string): Ticket | Refusal {
    const { maxConnections, maxConnectionsPerAddress } = this.#limits;
    if (this.#closed) return { status: 503, reason: "stopping", text: "503 Service Unavailable: the server is shutting down" };
    if (maxConnections > 0 && this.#total >= maxConnections) {
      return { status: 503, reason: "server_full", text: `503 Service Unavailable: the server is full (${maxConnections} viewers); try again later` };
    }
    const mine = this.#byAddress.get(address) ?? 0;
    if (maxConnectionsPerAddress > 0 && mine >= maxConnectionsPerAddress) {
      return {
        status: 429,
        reason: "address_limit",
        text: `429 Too Many Requests: at most ${maxConnectionsPerAddress} connections from one address; close one first`,
      };
    }
    this.#total++;
    this.#byAddress.set(address, mine + 1);
    return new Place(this, address);
  }

  /** A place given back (once per place, which `Place` sees to). */
  leave(address: string): void {
    this.#total--;
    const left = this.#byAddress.get(address)! - 1;
    if (left === 0) this.#byAddress.delete(address);
    else this.#byAddress.set(address, left);
  }

  /** Refuses every upgrade from now on (shutdown). */
  close(): void {
    this.#closed = true;
  }

  /** Places held. */
  get connections(): number {
    return this.#total;
  }

  /** Addresses holding at least one place (zero once everyone has left). */
  get addresses(): number {
    return this.#byAddress.size;
  }
}

/** A ticket as a small object with its method on the prototype: thousands of idle viewers each hold one. */
class Place implements Ticket {
  readonly address: string;
  #admission: Admission | undefined;

  constructor(admission: Admission, address: string) {
    this.#admission = admission;
    this.address = address;
  }

  release(): void {
    this.#admission?.leave(this.address);
    this.#admission = undefined;
  }
}
