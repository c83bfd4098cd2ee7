import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends `request` byte for byte on a new TCP connection and reads the answer,
 * until the server closes the connection or, when the answer has a
 * `Content-Length`, until that many bytes have come: for requests no HTTP
 * client would send as written (an HTTP/1.0 line, no Host header, a Host
 * with a path). `from`: the local address to connect from (any of 127.0.0.0/8).
 */
export function rawRequest(port: number, request: string, from?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress: from });
    const chunks: Buffer[] = [];
    const parse = () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const length = /^content-length: *(\d+)/im.exec(head)?.[1];
      const body = split < 0 ? "" : text.slice(split + 4);
      return { response: { status, headers: head, body }, complete: split >= 0 && length !== undefined && body.length >= Number(length) };
    };
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (parse().complete) socket.destroy();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(parse().response));
  });
}

/**
 * Sends one HTTP/1.1 request exactly as written, path and headers included:
 * `fetch` would normalize `..` and `%2e%2e` away before they reach the
 * server, and does not let a caller choose the Host header.
 */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = { Host: "127.0.0.1" },
): Promise<RawResponse> {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return rawRequest(port, `GET ${path} HTTP/1.1\r\n${lines}Connection: close\r\n\r\n`);
}
