/**
 * The two pattern languages policies use to name things: Kyverno's wildcards
 * (image references, identities, names, labels) and the identity regular
 * expressions (`subjectRegExp`, `issuerRegExp`). Shared by the verifiers and
 * the policy module, so both match exactly alike.
 */
import { codedError } from "../errors.ts";
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
  // Without surrogate pairs each UTF-16 unit is a code point: no array needed.
  if (!SURROGATE.test(pattern) && !SURROGATE.test(value)) return matchCodePoints(pattern, value);
  return matchCodePoints(Array.from(pattern), Array.from(value));
}

const SURROGATE = /[\uD800-\uDFFF]/;

// Greedy, remembering the last `*` and retrying from one character further:
// O(pattern x value) at worst, never exponential, whatever the input.
function matchCodePoints(p: ArrayLike<string>, v: ArrayLike<string>): boolean {
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
 * An identity regular expression as cosign and Kyverno apply it: Go's RE2
 * syntax and `regexp.MatchString`, which matches anywhere in the value, so
 * `token.actions.githubusercontent.com` accepts the full issuer URL, and
 * `.*@example\.com` accepts `dev@example.com.evil.test` unless anchored
 * (`isAnchored`; check-policy warns). Matched in linear time. Throws re2js's
 * syntax error for an invalid pattern; callers wrap it in their own coded
 * error.
 */
export function identityRegExp(pattern: string): GoRegExp {
  return compileGoRegExp(pattern);
}

/**
 * `identityRegExp` for a pattern a policy holds: an invalid one is
 * `POLICY_INVALID` naming the field (`what`), its cause re2js's syntax error.
 * Every verifier's code union has `POLICY_INVALID`, so each passes it on.
 */
export function policyRegExp(pattern: string, what: string): GoRegExp {
  try {
    return identityRegExp(pattern);
  } catch (err) {
    throw codedError(
      "POLICY_INVALID",
      `${what} pattern ${JSON.stringify(pattern)} is not a valid regular expression`,
      err,
    );
  }
}

/**
 * True when every match of `pattern` must span the whole value: it starts with
 * `^` or `\A` (after any flags group), ends with an unescaped `$` or `\z`, and
 * has no `|` outside a group or class (`^a|b$` is `(^a)|(b$)`). Conservative:
 * a pattern anchored some other way reads as unanchored.
 */
export function isAnchored(pattern: string): boolean {
  const body = pattern.replace(/^\(\?[a-zA-Z]+\)/, "");
  if (!body.startsWith("^") && !body.startsWith("\\A")) return false;
  let depth = 0;
  let inClass = false;
  /** Whether the last character is the second half of an escape (`\$`, `\z`). */
  let lastEscaped = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      lastEscaped = i === body.length - 2;
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
      // A `]` first in a class (after any `^`) is a literal, not its end.
      if (body[i + 1] === "^") i++;
      if (body[i + 1] === "]") i++;
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return false;
  }
  return lastEscaped ? body.endsWith("\\z") : body.endsWith("$");
}
