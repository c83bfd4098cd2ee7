/** How many held requests one refused request looks at before it is refused. */
const LOOKS = 16;

/**
 * The requests the command's early port holds while the server starts, at
 * most `max` at once (0: no bound). A client that hung up must not keep its
 * place, or hit-and-run requests would shut everyone out until the start. Its
 * request's signal says so, but is read only once the places are full: one
 * runtime sets the signal up on the first read, so a client gone is seen at
 * the second look (and in its legacy mode, which deno.json turns off, it would
 * write a warning among the log lines when such a request completes). Each
 * request that finds no room looks at the few held longest, so a flood of
 * them goes round all the held ones in turn.
 */
export class HeldRequests {
  /** Held requests, in the order they were last looked at, with how to let each go. */
  readonly #waiting = new Map<Request, () => void>();

  constructor(private readonly max: number) {}

  /** Whether one more request may be held, after letting go of any looked-at ones whose client has left. */
  hasRoom(): boolean {
    if (this.max === 0 || this.#waiting.size < this.max) return true;
    let looks = 0;
    for (const [request, leave] of this.#waiting) {
      if (looks++ === LOOKS) break;
      this.#waiting.delete(request);
      if (request.signal.aborted) leave();
      else this.#waiting.set(request, leave); // to the back of the line
    }
    return this.#waiting.size < this.max;
  }

  /** Holds `request` until `handed` settles, or until its client is seen to have left. */
  async wait<T>(request: Request, handed: Promise<T>): Promise<T | "left"> {
    let leave!: () => void;
    const left = new Promise<"left">((resolve) => leave = () => resolve("left"));
    this.#waiting.set(request, leave);
    try {
      return await Promise.race([handed, left]);
    } finally {
      this.#waiting.delete(request);
    }
  }
}
