import { describe, expect, it } from "vitest";
import { wildcardMatch } from "../../../src/policy/index.ts";

describe("wildcardMatch (Kyverno ext/wildcard, go-wildcard v1)", () => {
  it.each([
    ["*", "", true],
    ["*", "anything/at:all", true],
    ["", "", true],
    ["", "a", false],
    ["abc", "abc", true],
    ["abc", "abd", false],
    ["ABC", "abc", false],
    ["a*", "a", true],
    ["a*", "abc/def", true],
    ["*c", "abc", true],
    ["a*c", "ac", true],
    ["a*c", "abbbc", true],
    ["a*c", "abcd", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["a?c", "abbc", false],
    ["?", "", false],
    ["??", "ab", true],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXcYb", false],
    ["*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
    ["**", "x", true],
    ["*?", "", false],
    ["h?llo", "h\u00e9llo", true],
    ["\u{1F600}?", "\u{1F600}x", true],
    ["[ab]", "a", false],
    ["[ab]", "[ab]", true],
  ])("%j ~ %j -> %s", (pattern, name, expected) => {
    expect(wildcardMatch(pattern, name)).toBe(expected);
  });

  it("stays fast on adversarial patterns", () => {
    const start = performance.now();
    expect(wildcardMatch(`${"*a".repeat(50)}b`, "a".repeat(5000))).toBe(false);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
