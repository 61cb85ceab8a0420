import { policyError } from "./errors.ts";

/**
 * Go RE2 patterns (as written in Kyverno policies) as JavaScript regular
 * expressions: leading inline flags `(?i)`, `(?s)`, `(?m)`, `\A` / `\z`
 * anchors and `(?P<name>...)` groups are translated; the rest of RE2's syntax
 * means the same in JavaScript.
 */

const cache = new Map<string, RegExp>();
const MAX_CACHE = 256;
const MAX_PATTERN = 4096;

export function goRegExp(fnName: string, pattern: string, extraFlags = ""): RegExp {
  const key = `${extraFlags}/${pattern}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    cached.lastIndex = 0;
    return cached;
  }
  if (pattern.length > MAX_PATTERN) {
    throw policyError(
      "LIMIT_EXCEEDED",
      `${fnName}(): pattern longer than ${MAX_PATTERN} characters`,
    );
  }
  const inline = /^\(\?([ims]+)\)/.exec(pattern);
  const flags = `${inline?.[1] ?? ""}${extraFlags}`;
  const source = pattern
    .slice(inline?.[0].length ?? 0)
    .replace(/\\A/g, "(?<![\\s\\S])")
    .replace(/\\z/g, "(?![\\s\\S])")
    .replace(/\(\?P</g, "(?<");
  let re: RegExp;
  try {
    re = new RegExp(source, [...new Set(flags)].join(""));
  } catch (err) {
    throw policyError(
      "JMESPATH_FAILED",
      `${fnName}(): invalid regular expression "${pattern}"`,
      err,
    );
  }
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(key, re);
  return re;
}
