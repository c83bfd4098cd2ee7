import { connect } from "node:net";

/**
 * Sends one HTTP/1.1 request exactly as written, path and headers included:
 * `fetch` would normalize `..` and `%2e%2e` away before they reach the
 * server, and does not let a caller choose the Host header.
 */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = { Host: "127.0.0.1" },
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\n${lines}Connection: close\r\n\r\n`));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: split < 0 ? "" : text.slice(split + 4) });
    });
  });
}
