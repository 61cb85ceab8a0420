/**
 * The two pattern languages policies use to name things: Kyverno's wildcards
 * (image references, identities, names, labels) and regular expressions that
 * must match a whole value (`subjectRegExp`, `issuerRegExp`). Shared by the
 * verifiers and the policy module, so both match exactly alike.
 */
import { compileGoRegExp, type GoRegExp } from "./go-regexp.ts";

/**
 * Kyverno's wildcard match (ext/wildcard, go-wildcard v1): `*` stands for any
 * run of characters, `/` and the empty run included, `?` for exactly one;
 * everything else is literal and case-sensitive, so a pattern without either
 * is an exact comparison. The pattern must cover the whole value. Characters
 * are Unicode code points, as Go runes are.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === value;
  return matchCodePoints(Array.from(pattern), Array.from(value));
}

// Greedy, remembering the last `*` and retrying from one character further:
// O(pattern x value) at worst, never exponential, whatever the input.
function matchCodePoints(p: readonly string[], v: readonly string[]): boolean {
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

/**
 * `pattern` anchored at both ends: `.*@example\.com` must match all of a
 * value, not a part. Go's RE2 syntax, matched in linear time. Throws re2js's
 * syntax error for an invalid pattern; callers wrap it in their own coded
 * error.
 */
export function anchoredRegExp(pattern: string): GoRegExp {
  return compileGoRegExp(`^(?:${pattern})$`);
}
