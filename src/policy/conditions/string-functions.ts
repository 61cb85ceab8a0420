import { TYPE_ANY, TYPE_NUMBER, TYPE_STRING } from "@jmespath-community/jmespath";
import { policyError } from "../errors.ts";
import { wildcardMatch } from "../match/wildcard.ts";
import { goRegExp } from "./go/regexp.ts";

/** Kyverno's string and regular expression JMESPath functions (pkg/engine/jmespath/functions.go). */

export type Fn = (args: unknown[]) => unknown;

/** A function's argument types (one list of accepted types per argument) and body. */
export interface FunctionSpec {
  readonly types: number[][];
  readonly fn: Fn;
}

export function fail(name: string, message: string): never {
  throw policyError("JMESPATH_FAILED", `${name}(): ${message}`);
}

// Kyverno's ifaceToString: strings, numbers and booleans are accepted where text is expected.
export function text(name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return fail(name, "expected a string or a number");
}

// Go's strings.Replace: the first `n` occurrences, all of them when `n` < 0.
function replaceN(s: string, from: string, to: string, n: number): string {
  if (n < 0) return s.split(from).join(to);
  let out = "";
  let rest = s;
  for (let count = 0; count < n && from !== ""; count++) {
    const at = rest.indexOf(from);
    if (at < 0) break;
    out += rest.slice(0, at) + to;
    rest = rest.slice(at + from.length);
  }
  return out + rest;
}

function regexReplace(name: string, literal: boolean): Fn {
  return ([pattern, source, replacement]) =>
    goRegExp(name, String(pattern)).replaceAll(
      text(name, source),
      text(name, replacement),
      literal,
    );
}

export const STRING_FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  compare: {
    types: [[TYPE_STRING], [TYPE_STRING]],
    fn: ([a, b]) => (a === b ? 0 : String(a) < String(b) ? -1 : 1),
  },
  equal_fold: {
    types: [[TYPE_STRING], [TYPE_STRING]],
    fn: ([a, b]) => String(a).toLowerCase() === String(b).toLowerCase(),
  },
  replace: {
    types: [[TYPE_STRING], [TYPE_STRING], [TYPE_STRING], [TYPE_NUMBER]],
    fn: ([s, from, to, n]) => replaceN(String(s), String(from), String(to), Number(n)),
  },
  replace_all: {
    types: [[TYPE_STRING], [TYPE_STRING], [TYPE_STRING]],
    fn: ([s, a, b]) => String(s).split(String(a)).join(String(b)),
  },
  to_upper: { types: [[TYPE_STRING]], fn: ([s]) => String(s).toUpperCase() },
  to_lower: { types: [[TYPE_STRING]], fn: ([s]) => String(s).toLowerCase() },
  trim: {
    types: [[TYPE_STRING], [TYPE_STRING]],
    fn: ([s, cut]) => {
      const set = new Set(Array.from(String(cut)));
      const chars = Array.from(String(s));
      let start = 0;
      let end = chars.length;
      while (start < end && set.has(chars[start] as string)) start++;
      while (end > start && set.has(chars[end - 1] as string)) end--;
      return chars.slice(start, end).join("");
    },
  },
  trim_prefix: {
    types: [[TYPE_STRING], [TYPE_STRING]],
    fn: ([s, p]) => (String(s).startsWith(String(p)) ? String(s).slice(String(p).length) : s),
  },
  regex_match: {
    types: [[TYPE_STRING], [TYPE_ANY]],
    fn: ([re, s]) => goRegExp("regex_match", String(re)).test(text("regex_match", s)),
  },
  regex_replace_all: {
    types: [[TYPE_STRING], [TYPE_ANY], [TYPE_ANY]],
    fn: regexReplace("regex_replace_all", false),
  },
  regex_replace_all_literal: {
    types: [[TYPE_STRING], [TYPE_ANY], [TYPE_ANY]],
    fn: regexReplace("regex_replace_all_literal", true),
  },
  pattern_match: {
    types: [[TYPE_STRING], [TYPE_ANY]],
    fn: ([p, s]) => wildcardMatch(String(p), text("pattern_match", s)),
  },
};
