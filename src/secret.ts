import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeHexLowerCase } from "@oslojs/encoding";

const encoder = new TextEncoder();

/**
 * Compares two secrets in time that depends on neither: both are hashed first,
 * so even their lengths stay hidden.
 */
export function secretEquals(given: string, expected: string): boolean {
  return constantTimeEqual(sha256(encoder.encode(given)), sha256(encoder.encode(expected)));
}

/**
 * A stand-in for a secret to key maps by (SHA-256, hex): what d-back keeps
 * in memory about a Discord token, so a heap dump or a stray log line never
 * holds the token itself.
 */
export function secretKey(secret: string): string {
  return encodeHexLowerCase(sha256(encoder.encode(secret)));
}
