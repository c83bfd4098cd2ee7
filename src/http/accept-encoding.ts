/**
 * Content negotiation for `Accept-Encoding` (RFC 9110 §12.5.3), small enough
 * to read in one go: a client lists codings with optional weights, `*` stands
 * for every coding it did not name, and `identity` (no coding) is acceptable
 * unless the client rules it out with `identity;q=0` or `*;q=0`. Ties go to
 * the coding offered first, so a server offers its smallest first.
 */

/** Each coding the header names, lower-cased, with its weight from 0 to 1. Malformed members are skipped. */
function acceptedEncodings(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const member of header.split(",")) {
    const [name, ...params] = member.split(";").map((part) => part.trim());
    if (!name || !/^[\w!#$%&'*+.^`|~-]+$/.test(name)) continue;
    let weight = 1;
    for (const param of params) {
      const q = /^q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.exec(param);
      if (q) weight = Number(q[1]);
      else if (/^q\s*=/i.test(param)) weight = Number.NaN;
    }
    if (Number.isNaN(weight)) continue;
    const coding = name.toLowerCase() === "x-gzip" ? "gzip" : name.toLowerCase();
    weights.set(coding, weight);
  }
  return weights;
}

/**
 * The coding to send: of the `offered` ones (best first, e.g. smallest first),
 * the first with the highest weight the client gives. Without the header the
 * answer is `identity`, as clients that send none expect. `undefined` when the
 * client accepts none of them (the caller may then send `identity` anyway).
 */
export function chooseEncoding(header: string | null | undefined, offered: readonly string[]): string | undefined {
  if (header === null || header === undefined) return offered.includes("identity") ? "identity" : undefined;
  const weights = acceptedEncodings(header);
  const star = weights.get("*");
  // Unnamed, identity ranks with the least wanted coding the client did name: `gzip;q=0.1` still prefers gzip.
  const named = [...weights.values()].filter((weight) => weight > 0);
  const identity = star ?? (named.length ? Math.min(1, ...named) : 1);
  let best: string | undefined;
  let bestWeight = 0;
  for (const coding of offered) {
    const weight = weights.get(coding) ?? (coding === "identity" ? identity : star ?? 0);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}
