/**
 * The regexp conformance table is also a test: re2js, as compileGoRegExp runs
 * it, must give Go's answer on every case, and a case marked as a known
 * divergence must still diverge exactly as recorded (so a fixed re2js, or a
 * wrong note, fails here and the table is corrected).
 */
import { describe, expect, it } from "vitest";
import { outcome, REGEXP_CASES } from "../../../bench/regexp-cases.ts";
import { compileGoRegExp } from "../../../src/verify/go-regexp.ts";

const re2js = { compile: compileGoRegExp };

describe("Go regexp conformance table (bench/regexp-cases.ts)", () => {
  const agreeing = REGEXP_CASES.filter((c) => c.divergence === undefined);
  const diverging = REGEXP_CASES.filter((c) => c.divergence !== undefined);

  it.each(agreeing)("$topic: $pattern", (c) => {
    expect(outcome(re2js, c)).toBe(c.go);
  });

  it.each(diverging)("known divergence, $topic: $pattern", (c) => {
    expect(c.divergence?.re2js).not.toBe(c.go);
    expect(outcome(re2js, c)).toBe(c.divergence?.re2js);
  });

  it("covers the features the benchmark claims", () => {
    expect(REGEXP_CASES.length).toBeGreaterThanOrEqual(40);
    const refusals = REGEXP_CASES.filter((c) => c.go === "refuses").length;
    expect(refusals).toBeGreaterThanOrEqual(10);
  });
});
