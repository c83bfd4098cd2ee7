import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certificate {
  /** Files the CLI is pointed at. */
  certFile: string;
  keyFile: string;
  /** Their PEM text, for `ServerOptions.tls` and for clients to trust. */
  cert: string;
  key: string;
  dir: string;
  remove(): void;
}

/**
 * A self-signed certificate made by this test run (openssl, `apt-get install
 * openssl`), valid for localhost and 127.0.0.1 for a day. `name` tells apart
 * two made in one test.
 */
export function makeCertificate(name = "server"): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "dback-tls-"));
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", `/CN=${name}`,
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ], { stdio: "ignore" });
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, "utf8"),
    key: readFileSync(keyFile, "utf8"),
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
