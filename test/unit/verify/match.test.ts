import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import { wildcardMatch as policyWildcardMatch } from "../../../src/policy/index.ts";
import { wildcardMatch as cosignWildcardMatch } from "../../../src/verify/cosign/index.ts";
import {
  identityRegExp,
  isAnchored,
  policyRegExp,
  wildcardMatch,
} from "../../../src/verify/match.ts";

describe("wildcardMatch (Kyverno ext/wildcard, go-wildcard v1)", () => {
  it.each([
    ["*", "", true],
    ["*", "anything/at:all", true],
    ["", "", true],
    ["", "a", false],
    ["abc", "abc", true],
    ["abc", "abd", false],
    ["exact", "exactly", false],
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
    ["a*b*c", "a-b-b-c", true],
    ["a*b*c", "a-b-b-", false],
    ["*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
    ["**", "x", true],
    ["*?", "", false],
    ["*?", "*", true],
    ["a\\*", "a\\bc", true],
    ["https://github.com/acme/*", "https://github.com/acme/app/.github/workflows/a.yml@v1", true],
    ["https://github.com/acme/*", "https://github.com/acmex", false],
    ["*@acme.test", "dev@acme.test", true],
    ["*@acme.test", "dev@acme.test.evil", false],
    ["my-?-bucket", "my-1-bucket", true],
    ["my-?-bucket", "my--bucket", false],
    ["?", "é", true],
    ["h?llo", "h\u00e9llo", true],
    ["\u{1F600}?", "\u{1F600}x", true],
    ["?", "\u{1F600}", true],
    ["a?c", "a\u{1F600}c", true],
    ["a??c", "a\u{1F600}c", false],
    ["*\u{1F600}", "x\u{1F600}", true],
    ["[ab]", "a", false],
    ["[ab]", "[ab]", true],
  ])("%j ~ %j -> %s", (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });

  it("stays fast on patterns made to backtrack", () => {
    const started = performance.now();
    expect(wildcardMatch(`${"*a".repeat(50)}b`, "a".repeat(5000))).toBe(false);
    expect(wildcardMatch("*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("is the one function the cosign verifier and the policies match with", () => {
    expect(cosignWildcardMatch).toBe(wildcardMatch);
    expect(policyWildcardMatch).toBe(wildcardMatch);
  });
});

describe("identityRegExp: Go's MatchString, as cosign and Kyverno", () => {
  it.each([
    [".*@acme\\.test", "dev@acme.test", true],
    // Unanchored patterns match anywhere: what Kyverno accepts, and why check-policy warns.
    [".*@acme\\.test", "dev@acme.test.evil", true],
    ["acme", "not-acme-at-all", true],
    ["token.actions.githubusercontent.com", "https://token.actions.githubusercontent.com", true],
    ["a|b", "ab", true],
    ["^.*@acme\\.test$", "dev@acme.test.evil", false],
    ["^(?:a|b)$", "ab", false],
    ["^a|b$", "xb", true],
    ["\\Ahttps://github\\.com/acme/\\z", "https://github.com/acme/", true],
    ["\\Ahttps://github\\.com/acme/\\z", "https://github.com/acme/x", false],
  ])("/%s/ against %j is %s", (pattern, value, expected) => {
    expect(identityRegExp(pattern).test(value)).toBe(expected);
  });

  it("throws a syntax error for a pattern that is not a regular expression", () => {
    expect(() => identityRegExp("(")).toThrow(/error parsing regexp/);
    expect(() => identityRegExp("[a-")).toThrow(/error parsing regexp/);
  });

  it("is POLICY_INVALID naming the policy field when it comes from a policy", () => {
    let thrown: unknown;
    try {
      policyRegExp("a(?=b)", "subjectRegExp");
    } catch (err) {
      thrown = err;
    }
    expect(isImgverifyError(thrown, "POLICY_INVALID")).toBe(true);
    expect((thrown as Error).message).toBe(
      'subjectRegExp pattern "a(?=b)" is not a valid regular expression',
    );
    expect(String((thrown as Error).cause)).toMatch(/Perl syntax/);
    expect(policyRegExp("^dev@acme\\.test$", "subjectRegExp").test("dev@acme.test")).toBe(true);
  });

  it("reads Go's syntax and refuses what Go's regexp refuses", () => {
    expect(identityRegExp("^(?P<user>[a-z]+)@acme\\.test$").test("dev@acme.test")).toBe(true);
    expect(identityRegExp("^[[:alpha:]]+$").test("abc")).toBe(true);
    expect(identityRegExp("x(?i)ab").test("xAB")).toBe(true);
    expect(() => identityRegExp("(a)\\1")).toThrow(/invalid escape/);
    expect(() => identityRegExp("a(?=b)")).toThrow(/Perl syntax/);
  });

  it("matches a catastrophic pattern in linear time", () => {
    const started = performance.now();
    expect(identityRegExp("^(a+)+$").test(`${"a".repeat(5000)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("isAnchored", () => {
  it.each([
    ["^https://github\\.com/acme/.*$", true],
    ["(?i)^dev@acme\\.test$", true],
    ["\\Ahttps://accounts\\.google\\.com\\z", true],
    ["^(a|b)$", true],
    ["^[|$]x$", true],
    ["^[]|]$", true],
    ["https://github\\.com/acme/.*", false],
    ["^https://github\\.com/acme/", false],
    ["token.actions.githubusercontent.com$", false],
    ["^a|b$", false],
    ["^a\\$", false],
    ["^a\\\\$", true],
    ["^a\\z", true],
    ["^az", false],
  ])("/%s/ is anchored: %s", (pattern, expected) => {
    expect(isAnchored(pattern)).toBe(expected);
  });
});
