import { describe, expect, it } from "vitest";
import { applyOperator, type ConditionOperator } from "../../../src/policy/index.ts";

type Case = [unknown, unknown, boolean];

function check(op: ConditionOperator, cases: Case[]): void {
  it.each(cases)(`${op}: %j vs %j -> %s`, (key, value, expected) => {
    expect(applyOperator(op, key, value)).toBe(expected);
  });
}

describe("Equals", () => {
  check("Equals", [
    ["abc", "abc", true],
    ["abc", "a*", true],
    ["abc", "a?c", true],
    ["a*", "abc", false],
    ["abc", "ABC", false],
    [true, true, true],
    [true, "true", false],
    [false, false, true],
    [1, 1, true],
    [1, "1", true],
    [1.5, "1.5", true],
    [1, "1.0", true],
    [1, "one", false],
    [1, true, false],
    ["1h", "3600", false],
    ["1h", 3600, true],
    ["1h", "60m", true],
    ["1h", "1h0m1s", false],
    ["1Gi", "1073741824", true],
    ["100m", "0.1", true],
    ["1Gi", "1G", false],
    ["5", "5.0", true],
    ["5", "5*", false],
    ["v1", "v*", true],
    [{ a: 1 }, { a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [["a", "b"], ["a", "b"], true],
    [["a", "b"], ["b", "a"], false],
    [null, null, false],
    [null, "x", false],
  ]);
});

describe("NotEquals", () => {
  check("NotEquals", [
    ["abc", "abc", false],
    ["abc", "x*", true],
    [1, "2", true],
    [true, "true", true],
    ["1h", "60m", false],
    [{ a: 1 }, "x", true],
    // Kyverno answers false for a null key with either operator.
    [null, "x", false],
  ]);
});

describe("deprecated In / NotIn", () => {
  check("In", [
    ["a", ["a", "b"], true],
    ["a", ["x*"], false],
    ["abc", ["a*"], true],
    ["a*", ["abc"], true],
    ["a", "a", true],
    ["a", '["a","b"]', true],
    ["a", "b", false],
    [1, [1, 2], true],
    [["a", "b"], ["a", "b", "c"], true],
    [["a", "z"], ["a", "b"], false],
    [["a*"], ["abc"], false],
    [["a"], "a", true],
    [[1], ["1"], false],
    [null, ["a"], false],
    ["a", { a: 1 }, false],
  ]);
  check("NotIn", [
    ["a", ["b"], true],
    ["a", ["a"], false],
    [["a", "z"], ["a", "b"], true],
    [["a"], ["a"], false],
    ["a", 5, false],
  ]);
});

describe("AnyIn / AllIn / AnyNotIn / AllNotIn", () => {
  check("AnyIn", [
    [["a", "x"], ["a", "b"], true],
    [["x", "y"], ["a", "b"], false],
    [["app-1"], ["app-*"], true],
    [["app-*"], ["app-1"], true],
    ["a", ["a"], true],
    [[1, 2], ["2"], true],
    [["5"], "1-10", true],
    [["11"], "1-10", false],
    ["5", "1-10", true],
    [[], ["a"], false],
    [["a"], "a", true],
    [["a"], '["a","b"]', true],
    [["x"], 5, false],
    [["5"], 5, true],
  ]);
  check("AllIn", [
    [["a", "b"], ["a", "b", "c"], true],
    [["a", "x"], ["a", "b"], false],
    [["GPL-3.0"], ["GPL-3.0"], true],
    [["GPL-3.0", "MIT"], ["GPL-*"], false],
    [[], ["a"], true],
    [["2", "3"], "1-5", true],
    [["2", "9"], "1-5", false],
    [["5"], 5, false],
  ]);
  check("AnyNotIn", [
    [["a", "x"], ["a", "b"], true],
    [["a", "b"], ["a", "b"], false],
    [["CVE-1", "CVE-2"], ["CVE-1"], true],
    [["a"], "a", false],
    [["7"], "1-5", true],
    [["3"], "1-5", false],
    [[], ["a"], false],
  ]);
  check("AllNotIn", [
    [["1.4"], ["1.5", "1.6"], true],
    [["1.5"], ["1.5", "1.6"], false],
    ["none", ["1.5"], true],
    [["a", "b"], ["b*"], false],
    [["9"], "1-5", true],
    [["3"], "1-5", false],
  ]);
});

describe("ordering operators", () => {
  check("GreaterThan", [
    [5, 3, true],
    [3, 5, false],
    [5, "3", true],
    ["5", 3, true],
    ["5", "3", true],
    ["1h", "30m", true],
    ["30m", 3600, false],
    [7200, "1h", true],
    ["2Gi", "1Gi", true],
    ["500m", "1", false],
    ["1.10.0", "1.9.0", true],
    ["1.0.0-alpha", "1.0.0", false],
    ["abc", "abd", false],
    [true, false, false],
    [null, 1, false],
  ]);
  check("GreaterThanOrEquals", [
    [3, 3, true],
    ["1Gi", "1024Mi", true],
    ["1h", "60m", true],
  ]);
  check("LessThan", [
    [1, 2, true],
    ["215h0m0s", "168h", false],
    ["1h0m0s", "168h", true],
    ["1.2.3", "1.2.4", true],
  ]);
  check("LessThanOrEquals", [
    [2, 2, true],
    ["167h59m", "168h", true],
    ["169h", "168h", false],
  ]);
});

describe("deprecated Duration operators", () => {
  check("DurationGreaterThan", [
    ["2h", "1h", true],
    ["1h", "2h", false],
    [7200, "1h", true],
    ["1h", 3599, true],
    [1.9, 1, false],
    ["x", "1h", false],
  ]);
  check("DurationGreaterThanOrEquals", [["1h", "60m", true]]);
  check("DurationLessThan", [
    ["30m", "1h", true],
    ["0", "1s", true],
  ]);
  check("DurationLessThanOrEquals", [
    ["1h", "1h", true],
    ["2h", 3600, false],
  ]);
});
