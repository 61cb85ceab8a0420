/**
 * Regular expressions as Go's `regexp` package runs them, which is what
 * Kyverno and cosign apply to every pattern a policy holds: RE2 syntax
 * (`(?P<name>…)`, `\A`, `\z`, `(?i)` anywhere, `[[:alpha:]]`, `\pL`) and
 * matching in time linear in the input. A JavaScript `RegExp` backtracks:
 * `^(a+)+$` against thirty characters holds the event loop for seconds, so a
 * pattern from a policy or a request never reaches one. re2js is a pure
 * JavaScript port of RE2, so the same engine runs on all four runtimes.
 */
import { RE2JS } from "re2js";

export interface GoRegExp {
  /** The pattern as compiled, for messages. */
  readonly source: string;
  /** Go's `MatchString`: does the pattern match anywhere in `value`? */
  test(value: string): boolean;
  /**
   * Go's `ReplaceAllString` (`template` expands `$1`, `${1}`, `$name`,
   * `${name}` and `$$`) or, with `literal`, `ReplaceAllLiteralString`.
   * Empty matches next to a previous match are skipped, as in Go.
   */
  replaceAll(value: string, template: string, literal: boolean): string;
}

// Compiled patterns are immutable, so one compilation serves every caller.
const compiled = new Map<string, GoRegExp>();
const MAX_COMPILED = 512;

/** Throws re2js's `RE2JSSyntaxException` for a pattern Go would refuse; callers code it. */
export function compileGoRegExp(pattern: string): GoRegExp {
  const cached = compiled.get(pattern);
  if (cached !== undefined) return cached;
  const re = RE2JS.compile(pattern);
  const groups = new Map(Object.entries(re.namedGroups()));
  const goRegExp: GoRegExp = {
    source: pattern,
    test: (value) => re.test(value),
    replaceAll: (value, template, literal) => {
      let out = "";
      let last = 0;
      for (const match of re.re2().findAllSubmatchIndex(value, -1) as number[][]) {
        const [start = 0, end = 0] = match;
        out += value.slice(last, start);
        out += literal ? template : expand(template, value, match, groups);
        last = end;
      }
      return out + value.slice(last);
    },
  };
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(pattern, goRegExp);
  return goRegExp;
}

const NAME = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u;

/** Go's `Regexp.Expand`: a name that is all digits is a group number; an unknown group is empty. */
function expand(
  template: string,
  value: string,
  match: readonly number[],
  groups: ReadonlyMap<string, number>,
): string {
  let out = "";
  let rest = template;
  for (let at = rest.indexOf("$"); at >= 0; at = rest.indexOf("$")) {
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const found = NAME.exec(rest);
    if (found === null) {
      out += "$";
      continue;
    }
    rest = rest.slice(found[0].length);
    const name = found[1] ?? found[2] ?? "";
    const index = /^\d+$/.test(name) ? Number(name) : (groups.get(name) ?? -1);
    const from = match[2 * index] ?? -1;
    const to = match[2 * index + 1] ?? -1;
    if (index >= 0 && from >= 0) out += value.slice(from, to);
  }
  return out + rest;
}
