/** How many held requests one refused request looks at before it is refused. */
const LOOKS = 16;

interface Held {
  address: string;
  leave: () => void;
}

/** Why a request is not held: every place is taken, or every place its address may take. */
export type NoRoom = "full" | "address";

/**
 * The requests the command's early port holds while the server starts, at
 * most `max` at once and `maxPerAddress` from one remote address (0: no
 * bound), the limits viewers have: one client must not take every place and
 * shut everyone else out of a slow start. A client that hung up must not keep
 * its place, or hit-and-run requests would shut everyone out until the start.
 * Its request's signal says so, but is read only once the places are full:
 * one runtime sets the signal up on the first read, so a client gone is seen
 * at the second look (and in its legacy mode, which deno.json turns off, it
 * would write a warning among the log lines when such a request completes).
 * Each request that finds no room looks at the few held longest (of its
 * address, when that is what is full), so a flood of them goes round all the
 * held ones in turn.
 */
export class HeldRequests {
  /** Held requests, in the order they were last looked at, with their address and how to let each go. */
  readonly #waiting = new Map<Request, Held>();
  /** The same requests by remote address, each line in the order it was last looked at. */
  readonly #byAddress = new Map<string, Set<Request>>();

  constructor(private readonly max: number, private readonly maxPerAddress: number) {}

  /** Why one more request from `address` may not be held (after letting go of looked-at ones whose client has left), or undefined. */
  noRoom(address: string): NoRoom | undefined {
    if (this.max > 0 && this.#waiting.size >= this.max) {
      this.#look(this.#waiting.keys());
      if (this.#waiting.size >= this.max) return "full";
    }
    const mine = () => this.#byAddress.get(address)?.size ?? 0;
    if (this.maxPerAddress > 0 && mine() >= this.maxPerAddress) {
      this.#look(this.#byAddress.get(address)!.values());
      if (mine() >= this.maxPerAddress) return "address";
    }
    return undefined;
  }

  /** Holds `request` from `address` until `handed` settles, or until its client is seen to have left. */
  async wait<T>(request: Request, address: string, handed: Promise<T>): Promise<T | "left"> {
    let leave!: () => void;
    const left = new Promise<"left">((resolve) => leave = () => resolve("left"));
    this.#hold(request, { address, leave });
    try {
      return await Promise.race([handed, left]);
    } finally {
      this.#forget(request);
    }
  }

  /** Lets go of the first few of `line` whose client has left; the others go to the back of their lines. */
  #look(line: Iterable<Request>): void {
    for (const request of [...take(line, LOOKS)]) {
      const held = this.#waiting.get(request)!;
      this.#forget(request);
      if (request.signal.aborted) held.leave();
      else this.#hold(request, held);
    }
  }

  #hold(request: Request, held: Held): void {
    const { address } = held;
    this.#waiting.set(request, held);
    const line = this.#byAddress.get(address);
    if (line) line.add(request);
    else this.#byAddress.set(address, new Set([request]));
  }

  #forget(request: Request): void {
    const address = this.#waiting.get(request)?.address;
    if (address === undefined) return;
    this.#waiting.delete(request);
    const line = this.#byAddress.get(address)!;
    line.delete(request);
    if (line.size === 0) this.#byAddress.delete(address);
  }
}

/** The first `n` of `items`, read before any of them is moved. */
function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n === 0) return;
  for (const item of items) {
    yield item;
    if (--n === 0) return;
  }
}
