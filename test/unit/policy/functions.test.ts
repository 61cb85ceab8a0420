import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import { withClock } from "../../../src/policy/conditions/time-functions.ts";
import { evaluatePreconditions, jmesSearch } from "../../../src/policy/index.ts";

const NOW = Date.parse("2024-03-10T12:00:00Z");
const data = { s: "Hello", n: 3, list: ["a", "b"], obj: { a: 1 } };

function run(expression: string): unknown {
  return withClock(NOW, () => jmesSearch(expression, data));
}

describe("Kyverno JMESPath functions", () => {
  it.each([
    ["compare('a', 'b')", -1],
    ["compare('b', 'a')", 1],
    ["compare('a', 'a')", 0],
    ["equal_fold('Go', 'GO')", true],
    ["equal_fold('Go', 'Ga')", false],
    ["replace('a-b-c', '-', '+', `1`)", "a+b-c"],
    ["replace('a-b-c', '-', '+', `-1`)", "a+b+c"],
    ["replace_all('a-b-c', '-', '')", "abc"],
    ["to_upper(s)", "HELLO"],
    ["to_lower(s)", "hello"],
    ["trim('--x--', '-')", "x"],
    ["trim_prefix('docker://img', 'docker://')", "img"],
    ["split('a,b,c', ',')", ["a", "b", "c"]],
    ["contains(s, 'ell')", true],
    ["contains(list, 'b')", true],
    ["regex_match('^H.l+o$', s)", true],
    ["regex_match('^h', s)", false],
    ["regex_match('(?i)^h', s)", true],
    ["regex_match('^[0-9]+$', `123`)", true],
    ["regex_replace_all('([a-z])-([0-9])', 'a-1 b-2', '${2}$1')", "1a 2b"],
    ["regex_replace_all_literal('[0-9]', 'a1b2', '$1')", "a$1b$1"],
    ["pattern_match('ghcr.io/*', 'ghcr.io/x')", true],
    ['label_match(`{"a":"1"}`, `{"a":"1","b":"2"}`)', true],
    ['label_match(`{"a":"2"}`, `{"a":"1"}`)', false],
    ["to_boolean('True')", true],
    ["base64_decode('aGVsbG8=')", "hello"],
    ["base64_encode('hello')", "aGVsbG8="],
    ["truncate('kyverno', `3`)", "kyv"],
    ["truncate('ky', `5`)", "ky"],
    ["semver_compare('1.2.3', '>=1.0.0 <2.0.0')", true],
    ["semver_compare('2.0.0', '>=1.0.0 <2.0.0')", false],
    ["semver_compare('3.1.0', '<1.0.0 || 3.1.0')", true],
    ["semver_compare('1.0.0-rc.1', '<1.0.0')", true],
    ["parse_json('{\"a\": [1, 2]}').a[1]", 2],
    ["parse_yaml('a: [1, 2]').a[0]", 1],
    ["lookup(obj, 'a')", 1],
    ["lookup(list, `1`)", "b"],
    ["time_now_utc()", "2024-03-10T12:00:00Z"],
    ["time_now()", "2024-03-10T12:00:00Z"],
    ["time_since('', '2024-03-09T12:00:00Z', '')", "24h0m0s"],
    ["time_since('', '2024-03-09T00:00:00Z', '2024-03-09T00:01:30.5Z')", "1m30.5s"],
    ["time_since('2006-01-02T15:04:05Z07:00', '2024-03-10T11:59:59Z', '')", "1s"],
    ["time_after('2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z')", true],
    ["time_before('2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z')", false],
    ["time_between('2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-03T00:00:00Z')", true],
    ["time_add('2024-01-01T00:00:00Z', '36h')", "2024-01-02T12:00:00Z"],
    ["time_diff('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000001Z')", "1\u00b5s"],
    ["time_utc('2024-01-01T02:00:00+02:00')", "2024-01-01T00:00:00Z"],
    ["time_truncate('2024-01-01T10:37:00Z', '1h')", "2024-01-01T10:00:00Z"],
    ["length(list)", 2],
  ])("%s -> %j", (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it.each([
    "to_upper(n)",
    "to_boolean('maybe')",
    "base64_decode('%%%')",
    "parse_json('{')",
    "semver_compare('1.0.0', '>>1')",
    "regex_match('(', 'x')",
    "time_since('', 'yesterday', '')",
    "time_since('Jan 2 2006', '2024-01-01T00:00:00Z', '')",
    "time_add('2024-01-01T00:00:00Z', 'soon')",
    "lookup(list, 'x')",
    "no_such_function(s)",
  ])("%s fails with JMESPATH_FAILED", (expression) => {
    let caught: unknown;
    try {
      run(expression);
    } catch (err) {
      caught = err;
    }
    expect(isImgverifyError(caught, "JMESPATH_FAILED")).toBe(true);
  });

  it("evaluates an expression compiled before over new data, and fails a bad one every time", () => {
    expect(jmesSearch("items[?n > `1`].n", { items: [{ n: 1 }, { n: 2 }] })).toEqual([2]);
    expect(jmesSearch("items[?n > `1`].n", { items: [{ n: 3 }] })).toEqual([3]);
    for (let i = 0; i < 2; i++) {
      expect(() => jmesSearch("items[?", {})).toThrow(/invalid JMESPath "items\[\?"/);
    }
  });

  it("needs a clock for the current time", () => {
    expect(() => jmesSearch("time_now_utc()", {})).toThrow(/no clock/);
  });

  it("uses the evaluation's clock in conditions", () => {
    const cond = {
      any: undefined,
      all: [
        {
          path: "c",
          key: "{{ time_since('', '2024-03-01T12:00:00Z', '') }}",
          operator: "LessThanOrEquals" as const,
          value: "168h",
          message: "too old",
        },
      ],
    };
    expect(
      evaluatePreconditions(cond, {}, { now: Date.parse("2024-03-05T00:00:00Z") }).passed,
    ).toBe(true);
    expect(
      evaluatePreconditions(cond, {}, { now: NOW }).failed.map((f) => [f.message, f.key]),
    ).toEqual([["too old", "216h0m0s"]]);
  });
});
