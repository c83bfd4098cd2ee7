import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer } from "node:net";

/** How the fake answers one token: a status, a body, headers, and an optional delay. */
export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (longer than d-back's timeout: "Discord is slow"). */
  delayMs?: number;
}

/**
 * A small stand-in for Discord's HTTP API on 127.0.0.1: `GET <base>/users/@me`
 * answers by the bearer token, as a test configured it (unknown tokens get
 * 401, like Discord). Every request is recorded, so a test can prove that a
 * call was, or was not, made.
 */
export class FakeDiscord {
  /** The base URL to give d-back (`--discord-api-base`). */
  readonly url: string;
  /** Tokens of the requests received, in order. */
  readonly requests: string[] = [];
  #server: Server;
  #replies = new Map<string, Reply>();
  /** Other routes (`GET /gateway/bot`, …), by method and path below the base; they see the Authorization header. */
  #routes = new Map<string, (authorization: string) => Reply>();
  /** While true, every answer waits until `releaseHeld()` ("Discord has not answered yet"). */
  holdAll = false;
  /** Slow answers not sent yet, with their timers and how to send them now. */
  #held = new Map<ServerResponse, { timer: ReturnType<typeof setTimeout>; send: () => void }>();

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.url = `http://127.0.0.1:${port}/api/v10`;
  }

  static start(): Promise<FakeDiscord> {
    let fake: FakeDiscord;
    const server = createServer((req, res) => fake.#answer(req, res));
    return new Promise((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        fake = new FakeDiscord(server, (server.address() as { port: number }).port);
        resolve(fake);
      })
    );
  }

  /** `token` belongs to the Discord user `id`. */
  user(token: string, id: string): this {
    return this.reply(token, { status: 200, body: { id, username: `discord-${id}`, discriminator: "0", avatar: null } });
  }

  reply(token: string, reply: Reply): this {
    this.#replies.set(token, reply);
    return this;
  }

  /** Answers `method path` (below the base, e.g. `GET /gateway/bot`) with what `answer` returns. */
  route(method: string, path: string, answer: (authorization: string) => Reply): this {
    this.#routes.set(`${method} /api/v10${path}`, answer);
    return this;
  }

  /** How many requests carried `token`. */
  calls(token: string): number {
    return this.requests.filter((t) => t === token).length;
  }

  /** How many answers are held back now (a request d-back is waiting on). */
  get holding(): number {
    return this.#held.size;
  }

  /** Sends every slow answer still held back, now. */
  releaseHeld(): void {
    for (const { timer, send } of [...this.#held.values()]) {
      clearTimeout(timer);
      send();
    }
  }

  close(): Promise<void> {
    for (const [res, { timer }] of this.#held) {
      clearTimeout(timer);
      res.destroy();
    }
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const route = this.#routes.get(`${req.method} ${path}`);
    if (route) return this.#send(res, route(req.headers.authorization ?? ""));
    if (req.method !== "GET" || path !== "/api/v10/users/@me") {
      res.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"404: Not Found","code":0}');
      return;
    }
    this.requests.push(token);
    this.#send(res, this.#replies.get(token) ?? { status: 401, body: { message: "401: Unauthorized", code: 0 } });
  }

  #send(res: ServerResponse, reply: Reply): void {
    const send = () => {
      this.#held.delete(res);
      if (res.destroyed) return;
      const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { "Content-Type": "application/json", ...reply.headers }).end(body);
    };
    if (!reply.delayMs && !this.holdAll) return send();
    this.#held.set(res, { timer: setTimeout(send, reply.delayMs ?? 3_600_000), send });
  }
}

/** A port on 127.0.0.1 where nothing listens ("Discord is down": connection refused). */
export function closedPort(): Promise<number> {
  const server = createTcpServer();
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    })
  );
}
