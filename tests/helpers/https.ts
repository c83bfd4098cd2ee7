import { execFile } from "node:child_process";
import { request } from "node:https";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET over HTTPS (HTTP/1.1) that trusts `ca`, with headers of the caller's choosing (Host too). */
export function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, servername: "localhost", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => body += chunk);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * A GET through curl, which offers HTTP/2 over TLS and speaks it when the
 * server agrees (Deno does; Bun answers in HTTP/1.1). Returns the HTTP
 * version used, the status and the Location header; status 0 and curl's
 * complaint when the exchange failed (a stream reset, say).
 */
export function curlGet(
  url: string,
  caFile: string,
  headers: Record<string, string> = {},
): Promise<{ version: string; status: number; location: string | undefined; error?: string }> {
  // Over HTTP/2 curl sends a Host given here as the :authority.
  const extra = Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "--http2", "--cacert", caFile, ...extra, "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{redirect_url}", url],
      (error, stdout, stderr) => {
        if (error) return resolve({ version: "", status: 0, location: undefined, error: stderr.trim() || error.message });
        const [version, status, location] = stdout.trim().split(" ");
        resolve({ version: version!, status: Number(status), location: location || undefined });
      },
    );
  });
}
