/**
 * Bytes on the wire for one GET: everything the server sends back (head and
 * body, as they arrive), read from a raw socket so no client decompresses or
 * normalizes anything on the way.
 */
import { Buffer } from "node:buffer";
import { connect } from "node:net";

export function wireBytes(url: string, path: string, acceptEncoding?: string): Promise<{ status: number; bytes: number; encoding?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Uint8Array[] = [];
    const accept = acceptEncoding ? `Accept-Encoding: ${acceptEncoding}\r\n` : "";
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${accept}Connection: close\r\n\r\n`));
    socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const bytes = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      // The head may come in several chunks: read it from all of them, up to its blank line.
      const all = new TextDecoder("latin1").decode(Buffer.concat(chunks));
      const head = all.slice(0, all.indexOf("\r\n\r\n") >>> 0);
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0),
        bytes,
        encoding: /^content-encoding:\s*(\S+)/im.exec(head)?.[1],
      });
    });
  });
}
