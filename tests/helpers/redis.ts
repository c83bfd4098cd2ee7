import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";

/** A free TCP port on 127.0.0.1 (asked of the kernel, then let go). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A real redis-server of the test's own on a loopback port: no persistence,
 * no system service. `stop()` and `start()` again restart it on the same port
 * (empty, as a Redis without persistence comes back).
 */
export class RedisServer {
  readonly port: number;
  #child: ChildProcess | undefined;
  #password: string | undefined;

  private constructor(port: number, password?: string) {
    this.port = port;
    this.#password = password;
  }

  /** Starts one; with `password`, clients must give it (`requirepass`). */
  static async start(password?: string): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), password);
    await server.start();
    return server;
  }

  /** The running redis-server's process id (for CPU figures). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get url(): string {
    return `redis://${this.#password ? `:${this.#password}@` : ""}127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = this.#child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...(this.#password ? ["--requirepass", this.#password] : [])],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("error", (error) => reject(new Error(`redis-server could not run (is it installed?): ${error.message}`)));
      child.on("close", (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    });
  }

  /** Kills it at once (SIGKILL): everything it held is gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.on("close", resolve));
    process.kill(child.pid!, "SIGKILL");
    await gone;
    this.#child = undefined;
  }
}
