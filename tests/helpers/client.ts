/** A frame as d-back sends it. */
// deno-lint-ignore no-explicit-any
export type Frame = { type: string; server?: string; data: any };

/**
 * A real WebSocket viewer that records every frame, so a test can wait for
 * the next frame of a kind and also check that nothing else arrived.
 */
export class Client {
  readonly frames: Frame[] = [];
  readonly socket: WebSocket;
  closed: Promise<CloseEvent>;
  #read = 0;
  #wake: (() => void) | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)));
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => socket.addEventListener("close", (event) => {
      resolve(event);
      this.#wake?.();
    }));
  }

  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new Client(socket);
      socket.addEventListener("open", () => resolve(client), { once: true });
      socket.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)), { once: true });
    });
  }

  /** Opens a viewer and waits for its `server-list`. */
  static async listed(url: string): Promise<Client> {
    const client = await Client.open(url);
    await client.next("server-list");
    return client;
  }

  /** Opens a viewer and reads its `server-list`. */
  static async joined(url: string, server: unknown = null): Promise<{ client: Client; list: Frame; join: Frame }> {
    const client = await Client.open(url);
    const list = await client.next("server-list");
    client.connect({ server });
    const join = await client.next("server-join");
    return { client, list, join };
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" || frame instanceof Uint8Array ? frame : JSON.stringify(frame));
  }

  connect(data: Record<string, unknown>): void {
    this.send({ type: "connect", data });
  }

  /** The next unread frame (of `type`, skipping others of no interest when `skip` is set). */
  async next(type?: string, { timeout = 3000, skip = [] as string[] } = {}): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      while (this.#read < this.frames.length) {
        const frame = this.frames[this.#read++]!;
        if (skip.includes(frame.type)) continue;
        if (type && frame.type !== type) {
          throw new Error(`expected a ${type} frame, got ${JSON.stringify(frame).slice(0, 300)}`);
        }
        return frame;
      }
      if (this.socket.readyState >= WebSocket.CLOSING) throw new Error(`socket closed while waiting for ${type ?? "a frame"}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type ?? "frame"} within ${timeout} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Unread frames, marking them read. */
  drain(): Frame[] {
    const rest = this.frames.slice(this.#read);
    this.#read = this.frames.length;
    return rest;
  }

  /** Sends `frame` and returns the error text it is answered with. */
  async errorFor(frame: unknown): Promise<string> {
    this.send(frame);
    const answer = await this.next("error", { skip: ["presence", "message"] });
    return answer.data.message;
  }

  close(): Promise<CloseEvent> {
    if (this.socket.readyState < WebSocket.CLOSING) this.socket.close();
    return this.closed;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `check()` holds, polling. The deadline only turns a hang into
 * a clear failure naming `what`; it is not a claim about speed.
 */
export async function until(check: () => boolean, what: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still waiting, after ${timeout} ms, for ${what}`);
    await sleep(10);
  }
}
