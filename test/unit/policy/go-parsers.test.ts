import { describe, expect, it } from "vitest";
import { compareQuantities, parseQuantity } from "../../../src/policy/conditions/go/quantity.ts";
import {
  compareSemVer,
  parseSemVer,
  parseSemVerRange,
} from "../../../src/policy/conditions/go/semver.ts";
import {
  formatGoDuration,
  parseGoDuration,
  parseRfc3339,
} from "../../../src/policy/conditions/go/time.ts";
import { formatGoFloat, goSprint, parseGoFloat } from "../../../src/policy/conditions/go/values.ts";

describe("Go durations", () => {
  it.each([
    ["0", 0n],
    ["1s", 1_000_000_000n],
    ["1.5h", 5_400_000_000_000n],
    ["1h30m", 5_400_000_000_000n],
    ["-2m", -120_000_000_000n],
    ["+3ms", 3_000_000n],
    ["1us", 1000n],
    ["1\u00b5s", 1000n],
    [".5s", 500_000_000n],
    ["168h", 604_800_000_000_000n],
  ])("parses %s", (text, nanos) => {
    expect(parseGoDuration(text)).toBe(nanos);
  });

  it.each(["", "1", "1d", "h", "1.s.", "--1s", "9999999999h"])("refuses %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it.each([
    [0n, "0s"],
    [1n, "1ns"],
    [1_500n, "1.5\u00b5s"],
    [1_500_000n, "1.5ms"],
    [1_000_000_000n, "1s"],
    [90_500_000_000n, "1m30.5s"],
    [604_800_000_000_000n, "168h0m0s"],
    [-3_600_000_000_000n, "-1h0m0s"],
  ])("formats %s as %s", (nanos, text) => {
    expect(formatGoDuration(nanos)).toBe(text);
  });

  it("parses RFC 3339 with offsets and fractions, and refuses bad dates", () => {
    expect(parseRfc3339("2024-01-01T00:00:00Z")).toBe(
      BigInt(Date.parse("2024-01-01T00:00:00Z")) * 1_000_000n,
    );
    expect(parseRfc3339("2024-01-01T02:00:00.000000001+02:00")).toBe(
      BigInt(Date.parse("2024-01-01T00:00:00Z")) * 1_000_000n + 1n,
    );
    expect(parseRfc3339("2024-02-30T00:00:00Z")).toBeUndefined();
    expect(parseRfc3339("2024-01-01 00:00:00Z")).toBeUndefined();
  });
});

describe("Kubernetes quantities", () => {
  it.each([
    ["1Gi", "1073741824", 0],
    ["1G", "1Gi", -1],
    ["100m", "0.1", 0],
    ["1e3", "1k", 0],
    ["1.5", "1500m", 0],
    ["-1", "0", -1],
    ["2Ki", "2048", 0],
  ])("%s vs %s -> %d", (a, b, order) => {
    const qa = parseQuantity(a);
    const qb = parseQuantity(b);
    if (qa === undefined || qb === undefined) throw new Error("unparsed");
    expect(compareQuantities(qa, qb)).toBe(order);
  });

  it.each(["", "abc", "1K", "Gi", "1.2.3", "1e", "1e999"])("refuses %j", (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe("semantic versions", () => {
  it("orders by precedence", () => {
    const order = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.10.0",
    ];
    for (let i = 1; i < order.length; i++) {
      const a = parseSemVer(order[i - 1] as string);
      const b = parseSemVer(order[i] as string);
      if (a === undefined || b === undefined) throw new Error("unparsed");
      expect(compareSemVer(a, b)).toBe(-1);
    }
    expect(parseSemVer("1.2")).toBeUndefined();
    expect(parseSemVer("01.2.3")).toBeUndefined();
    expect(parseSemVer("1.2.3+build.5")).toMatchObject({ major: 1n, minor: 2n, patch: 3n });
  });

  it("evaluates ranges", () => {
    const range = parseSemVerRange(">=1.2.0 <2.0.0 || !3.0.0");
    const v = (t: string) => parseSemVer(t) ?? (undefined as never);
    expect(range?.(v("1.5.0"))).toBe(true);
    expect(range?.(v("2.5.0"))).toBe(true);
    expect(parseSemVerRange("=3.0.0")?.(v("3.0.0"))).toBe(true);
    expect(parseSemVerRange("1.x")).toBeUndefined();
  });
});

describe("Go value formatting", () => {
  it.each([
    [1, "1"],
    [1.5, "1.5"],
    [123456, "123456"],
    [1_000_000, "1e+06"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [-2, "-2"],
  ])("formats %d as %s", (n, text) => {
    expect(formatGoFloat(n)).toBe(text);
  });

  it("prints values like fmt.Sprint", () => {
    expect(goSprint(["a", 1, true, null])).toBe("[a 1 true <nil>]");
    expect(goSprint({ b: 1, a: "x" })).toBe("map[a:x b:1]");
  });

  it.each([
    ["1", 1],
    ["-1.5e3", -1500],
    [".5", 0.5],
    ["Inf", Number.POSITIVE_INFINITY],
    [" 1", undefined],
    ["1_000", undefined],
    ["", undefined],
    ["0x10", undefined],
  ])("ParseFloat(%j)", (text, value) => {
    expect(parseGoFloat(text)).toBe(value);
  });
});
