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
 * version used, the status and the Location header.
 */
export function curlGet(url: string, caFile: string): Promise<{ version: string; status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    execFile(
      "curl",
      ["-sS", "--http2", "--cacert", caFile, "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{redirect_url}", url],
      (error, stdout) => {
        if (error) return reject(error);
        const [version, status, location] = stdout.trim().split(" ");
        resolve({ version: version!, status: Number(status), location: location || undefined });
      },
    );
  });
}
