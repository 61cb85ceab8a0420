/**
 * The two ways a policy names an identity: Kyverno's wildcard patterns (its
 * `subject`, `issuer` and `additionalExtensions` values) and regular
 * expressions (`subjectRegExp`, `issuerRegExp`), which must match the whole
 * value, as the Sigstore bundle verifier also requires.
 */
import { cosignError } from "./errors.ts";

/**
 * Kyverno's wildcard match: `*` stands for any run of characters (none
 * included), `?` for exactly one; everything else matches itself, so a
 * pattern without either is an exact comparison. Linear backtracking to the
 * last `*`, so no input makes it slow.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  const p = Array.from(pattern);
  const v = Array.from(value);
  let pi = 0;
  let vi = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === "?" || (p[pi] !== "*" && p[pi] === v[vi]))) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === "*") {
      starAt = pi++;
      resumeAt = vi;
    } else if (starAt >= 0) {
      pi = starAt + 1;
      vi = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}

/** `pattern` anchored at both ends: `.*@example\.com` must match all of a value, not a part. */
export function fullMatchRegExp(pattern: string, what: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw cosignError(
      "POLICY_INVALID",
      `${what} pattern ${JSON.stringify(pattern)} is not a valid regular expression`,
      err,
    );
  }
}
