import type { Server } from "../../src/mod.ts";

export const TOKEN = "test-ingest-token-0123456789";

/** One ingest request with the right token unless `token` says otherwise (null: no header). */
export async function ingest(
  server: Pick<Server, "url">,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${server.url}/api/ingest${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** An ingest WebSocket with a bearer token (Deno and Bun both take `headers` here). */
export function ingestSocket(server: Pick<Server, "port">, token = TOKEN): WebSocket {
  const Ctor = WebSocket as unknown as new (url: string, options: { headers: Record<string, string> }) => WebSocket;
  return new Ctor(`ws://127.0.0.1:${server.port}/api/ingest`, { headers: { Authorization: `Bearer ${token}` } });
}
