import { describe, expect, it } from "vitest";
import { hasWildcard, matchesAny } from "../../../src/policy/match/wildcard.ts";

// The match itself is tested with the shared implementation (test/unit/verify/match.test.ts).
describe("policy wildcard helpers", () => {
  it.each([
    ["plain-name", false],
    ["", false],
    ["ns-*", true],
    ["ns-?", true],
    ["[ab]", false],
  ])("hasWildcard(%j) is %s", (value, expected) => {
    expect(hasWildcard(value)).toBe(expected);
  });

  it("matchesAny is true when any one pattern matches the whole name", () => {
    expect(matchesAny(["kube-*", "default"], "kube-system")).toBe(true);
    expect(matchesAny(["kube-*", "default"], "default")).toBe(true);
    expect(matchesAny(["kube-*", "default"], "defaults")).toBe(false);
    expect(matchesAny(["app-?"], "app-10")).toBe(false);
    expect(matchesAny([], "anything")).toBe(false);
  });
});
