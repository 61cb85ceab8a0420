/**
 * Kyverno's wildcard matching as policies use it: one pattern or several,
 * and telling a pattern from a plain string. The match itself is shared with
 * the verifiers (src/verify/match.ts).
 */
import { wildcardMatch } from "../../verify/match.ts";

export { wildcardMatch };

/** True when `value` holds a `*` or `?` (Kyverno treats such strings as patterns). */
export function hasWildcard(value: string): boolean {
  return value.includes("*") || value.includes("?");
}

/** True when any of `patterns` matches `name`. */
export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => wildcardMatch(pattern, name));
}
