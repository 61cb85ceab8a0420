/**
 * Semantic versions as blang/semver (Kyverno's `semver_compare` and the
 * ordering operators on version strings): strict `MAJOR.MINOR.PATCH` with
 * optional pre-release and build, and ranges of comparators joined by spaces
 * (and) and `||` (or), e.g. `>=1.0.0 <2.0.0 || 3.1.0`.
 */

export interface SemVer {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: readonly (string | bigint)[];
}

const VERSION =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const COMPARATOR = /^(>=|<=|!=|==|=|>|<|!)?(.+)$/;

/** The version `text` denotes, or undefined when it is not strict semver. */
export function parseSemVer(text: string): SemVer | undefined {
  const m = VERSION.exec(text);
  if (m === null) return undefined;
  const [, major = "0", minor = "0", patch = "0", pre] = m;
  const identifiers = pre === undefined ? [] : pre.split(".");
  if (identifiers.some((id) => /^0\d+$/.test(id))) return undefined;
  return {
    major: BigInt(major),
    minor: BigInt(minor),
    patch: BigInt(patch),
    pre: identifiers.map((id) => (/^\d+$/.test(id) ? BigInt(id) : id)),
  };
}

/** -1, 0 or 1 by semver precedence (build metadata ignored). */
export function compareSemVer(a: SemVer, b: SemVer): -1 | 0 | 1 {
  for (const key of ["major", "minor", "patch"] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  if (a.pre.length === 0 || b.pre.length === 0) {
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i] as string | bigint;
    const y = b.pre[i] as string | bigint;
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === "bigint" ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length === b.pre.length ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}

/** A predicate for a range, or undefined when the range does not parse (blang's error). */
export function parseSemVerRange(text: string): ((v: SemVer) => boolean) | undefined {
  const alternatives: ((v: SemVer) => boolean)[] = [];
  for (const part of text.split("||")) {
    const comparators = part.trim().split(/\s+/).filter(Boolean).map(parseComparator);
    if (comparators.length === 0 || comparators.some((c) => c === undefined)) return undefined;
    const all = comparators as ((v: SemVer) => boolean)[];
    alternatives.push((v) => all.every((c) => c(v)));
  }
  return (v) => alternatives.some((alt) => alt(v));
}

function parseComparator(text: string): ((v: SemVer) => boolean) | undefined {
  const [, op = "=", versionText = ""] = COMPARATOR.exec(text) ?? [];
  const bound = parseSemVer(versionText);
  if (bound === undefined) return undefined;
  const tests: Record<string, (c: number) => boolean> = {
    ">": (c) => c > 0,
    ">=": (c) => c >= 0,
    "<": (c) => c < 0,
    "<=": (c) => c <= 0,
    "=": (c) => c === 0,
    "==": (c) => c === 0,
    "!": (c) => c !== 0,
    "!=": (c) => c !== 0,
  };
  const test = tests[op];
  return test === undefined ? undefined : (v) => test(compareSemVer(v, bound));
}
