import type { TlsPair } from "./runtime/types.ts";

export type { TlsPair } from "./runtime/types.ts";

/** A certificate or key d-back cannot serve with; the message is one line for the operator. */
export class TlsError extends Error {
  override name = "TlsError";
}

/**
 * Checks a certificate and key before any listener sees them, so a wrong
 * file is one clear line at start-up rather than a handshake failure for
 * every visitor: the certificate must parse (the first one of a chain is the
 * server's), the key must parse, and the key must be the certificate's.
 * Returns when the certificate stops being valid, for the start-up log line.
 */
export async function checkTls(tls: TlsPair): Promise<string> {
  // Loaded only with TLS: a plain start does not wait for node:crypto (cold start).
  const { createPrivateKey, X509Certificate } = await import("node:crypto");
  let certificate: InstanceType<typeof X509Certificate>;
  try {
    certificate = new X509Certificate(tls.cert);
  } catch {
    throw new TlsError("the TLS certificate is not a PEM certificate (BEGIN CERTIFICATE)");
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(tls.key);
  } catch {
    throw new TlsError("the TLS key is not an unencrypted PEM private key (BEGIN PRIVATE KEY)");
  }
  if (!certificate.checkPrivateKey(key)) throw new TlsError("the TLS key does not belong to the TLS certificate");
  return new Date(certificate.validTo).toISOString();
}
