/**
 * Kyverno's wildcard matching (ext/wildcard, go-wildcard v1): `*` matches any
 * run of characters including `/` and the empty one, `?` exactly one
 * character; everything else is literal and case-sensitive. The pattern must
 * cover the whole name. Characters are Unicode code points, as Go runes are.
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  if (pattern === "") return name === "";
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === name;
  return matchRunes(Array.from(pattern), Array.from(name));
}

/** True when `value` holds a `*` or `?` (Kyverno treats such strings as patterns). */
export function hasWildcard(value: string): boolean {
  return value.includes("*") || value.includes("?");
}

/** True when any of `patterns` matches `name`. */
export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => wildcardMatch(pattern, name));
}

// Greedy match that remembers the last `*` and retries from it: linear in
// practice, O(pattern x name) at worst, never exponential.
function matchRunes(pattern: readonly string[], name: readonly string[]): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const token = pattern[p];
    if (token === "*") {
      star = p++;
      resume = n;
    } else if (token !== undefined && (token === "?" || token === name[n])) {
      p++;
      n++;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}
