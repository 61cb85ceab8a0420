import fc from "fast-check";
import { describe, it } from "vitest";
import {
  CONDITION_OPERATORS,
  type Condition,
  evaluateConditions,
  jmesSearch,
  substituteString,
} from "../../../src/policy/index.ts";
import { FUZZ_SEED, fuzzOptions, outcome, PROTOTYPE_NAMES } from "./support.ts";

const CODES = ["JMESPATH_FAILED", "VARIABLE_UNRESOLVED", "LIMIT_EXCEEDED"];

const keys = [
  "predicate",
  "builder",
  "id",
  "request",
  "object",
  "name",
  "a",
  "b",
  "items",
  ...PROTOTYPE_NAMES,
];
const keyArb = fc.constantFrom(...keys);

/** A statement-like tree over the same keys the expressions name. */
const dataArb = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    ),
    fc.dictionary(keyArb, tie("node"), { maxKeys: 4 }),
    fc.array(tie("node"), { maxLength: 4 }),
  ),
})).node;

const literal = fc.oneof(
  fc.json({ maxDepth: 1 }).map((j) => `\`${j.replace(/`/g, "\\`")}\``),
  fc.string({ maxLength: 6 }).map((s) => `'${s.replace(/[\\']/g, "")}'`),
  fc.integer({ min: -5, max: 5 }).map((n) => `\`${n}\``),
);

const atom = fc.constantFrom(
  "a",
  "b",
  ".",
  "\\d",
  "\\w",
  "\\s",
  "[a-c]",
  "[^x]",
  "^",
  "$",
  "\\\\",
  "(?i)a",
  "\\A",
  "\\z",
  "\\b",
);
const quantifier = fc.constantFrom("*", "+", "?", "{2}", "{1,3}", "*?", "+?");

/**
 * Regexps from a small grammar: atoms, classes, groups, alternation, quantified
 * atoms, and text that is not a pattern.
 */
const regexArb: fc.Arbitrary<string> = fc.letrec((tie) => ({
  re: fc.oneof(
    { depthSize: "small" },
    atom,
    fc.tuple(atom, quantifier).map(([x, q]) => `${x}${q}`),
    fc.tuple(tie("re"), tie("re")).map(([x, y]) => `${x}${y}`),
    fc.tuple(tie("re"), tie("re")).map(([x, y]) => `(${x}|${y})`),
    tie("re").map((x) => `(?P<g>${x})`),
    fc.constantFrom(
      "(",
      ")",
      "[",
      "*",
      "a{99999}",
      "(?<=a)b",
      "\\p{L}",
      "\\pL",
      "[[:alpha:]]",
      "\\C",
      "(?U)a+",
    ),
  ),
})).re as fc.Arbitrary<string>;

const regexInput = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: 1, max: 40 }).map((n) => `${"a".repeat(n)}!`),
);

const quoted = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

const expressionArb: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: "small" },
    keyArb,
    literal,
    fc.constant("@"),
    fc.tuple(tie("expr"), keyArb).map(([e, k]) => `${e}.${k}`),
    fc.tuple(tie("expr"), fc.integer({ min: -3, max: 3 })).map(([e, i]) => `${e}[${i}]`),
    tie("expr").map((e) => `${e}[*]`),
    tie("expr").map((e) => `${e}[]`),
    fc.tuple(tie("expr"), tie("expr")).map(([e, f]) => `${e}[?${f}]`),
    fc
      .tuple(tie("expr"), fc.constantFrom("==", "!=", "<", ">=", "&&", "||", "|"), tie("expr"))
      .map(([e, op, f]) => `${e} ${op} ${f}`),
    tie("expr").map((e) => `!${e}`),
    tie("expr").map((e) => `(${e})`),
    fc.tuple(tie("expr"), tie("expr")).map(([e, f]) => `{x: ${e}, y: ${f}}`),
    fc
      .tuple(
        fc.constantFrom(
          "length",
          "to_string",
          "keys",
          "values",
          "type",
          "to_upper",
          "to_lower",
          "trim",
          "parse_json",
          "parse_yaml",
          "to_boolean",
          "semver_compare",
          "truncate",
          "split",
          "contains",
          "starts_with",
          "equal_fold",
          "replace_all",
          "lookup",
          "label_match",
          "time_since",
          "time_add",
          "pattern_match",
          "compare",
          "sum",
          "max_by",
          "sort_by",
        ),
        fc.array(tie("expr"), { maxLength: 3 }),
      )
      .map(([f, args]) => `${f}(${args.join(", ")})`),
    fc.tuple(regexArb, tie("expr")).map(([re, e]) => `regex_match(${quoted(re)}, ${e})`),
    fc.tuple(regexArb, regexInput).map(([re, s]) => `regex_match(${quoted(re)}, ${quoted(s)})`),
    fc
      .tuple(regexArb, regexInput, fc.constantFrom("x", "$1", "${g}", "$$"))
      .map(([re, s, r]) => `regex_replace_all(${quoted(re)}, ${quoted(s)}, ${quoted(r)})`),
    fc.string({ maxLength: 8 }),
  ),
})).expr as fc.Arbitrary<string>;

describe(`JMESPath, conditions and regexp properties (seed ${FUZZ_SEED})`, {
  timeout: 30_000,
}, () => {
  it("random expressions over random statements evaluate or fail coded", () => {
    fc.assert(
      fc.property(expressionArb, dataArb, (expression, data) => {
        outcome(() => jmesSearch(expression, data), CODES);
      }),
      fuzzOptions(500),
    );
  });

  it("regex_match and regex_replace_all on generated patterns are bounded and coded", () => {
    fc.assert(
      fc.property(regexArb, regexInput, (pattern, input) => {
        const data = { p: pattern, s: input };
        outcome(() => jmesSearch("regex_match(p, s)", data), CODES);
        outcome(() => jmesSearch("regex_replace_all(p, s, 'x')", data), CODES);
      }),
      fuzzOptions(500),
    );
  });

  it("{{ }} substitution of random expressions resolves or fails coded", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            expressionArb.map((e) => `{{ ${e} }}`),
            fc.string({ maxLength: 5 }),
          ),
          {
            maxLength: 3,
          },
        ),
        dataArb,
        (parts, data) => {
          const variables = {
            request: { object: data },
            ...(typeof data === "object" && data !== null && !Array.isArray(data) ? data : {}),
          };
          outcome(() => substituteString(parts.join(""), variables, "fuzz"), CODES);
        },
      ),
      fuzzOptions(300),
    );
  });

  it("conditions with random operators, keys and values evaluate or fail coded", () => {
    const side = fc.oneof(
      expressionArb.map((e) => `{{ ${e} }}`),
      fc.json({ maxDepth: 1 }).map((j) => JSON.parse(j) as unknown),
      fc.constantFrom("1h", "-5m", "1.2.3", "*", "?", "10Mi"),
    );
    const conditionArb: fc.Arbitrary<Condition> = fc.record({
      path: fc.constant("conditions[0].all[0]"),
      key: side,
      operator: fc.constantFrom(...CONDITION_OPERATORS),
      value: side,
      message: fc.constant(undefined),
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            any: fc.option(fc.array(conditionArb, { maxLength: 3 }), { nil: undefined }),
            all: fc.option(fc.array(conditionArb, { maxLength: 3 }), { nil: undefined }),
          }),
          { maxLength: 2 },
        ),
        dataArb,
        (conditions, predicate) => {
          const p =
            typeof predicate === "object" && predicate !== null && !Array.isArray(predicate)
              ? predicate
              : { predicate };
          outcome(
            () =>
              evaluateConditions(
                conditions,
                p as Record<string, unknown>,
                { request: {} },
                { now: 1_700_000_000_000 },
              ),
            CODES,
          );
        },
      ),
      fuzzOptions(300),
    );
  });
});
