import { describe, expect, it } from "vitest";
import { parseDuration } from "../../../src/cli/flags/duration.ts";
import { isImgverifyError } from "../../../src/errors.ts";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["3s", 3_000],
    ["1m", 60_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1.5s", 1_500],
    [".5s", 500],
    ["2h45m", 9_900_000],
    ["1500us", 2],
    ["1500µs", 2],
    ["1ns", 1],
    ["24h", 86_400_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text, "--timeout")).toBe(ms);
  });

  it.each([
    ["", "expected a number with a unit"],
    ["3", "expected a number with a unit"],
    ["3x", "expected a number with a unit"],
    ["s", "expected a number with a unit"],
    ["-3s", "expected a number with a unit"],
    ["3s ", "expected a number with a unit"],
    ["1.2.3s", "expected a number with a unit"],
    ["0s", "must be greater than zero"],
    ["25h", "must be at most 24h"],
    ["9".repeat(65), "expected a number with a unit"],
  ])("rejects %j: %s", (text, why) => {
    try {
      parseDuration(text, "--timeout", "resolve");
      expect.unreachable();
    } catch (err) {
      expect(isImgverifyError(err, "CLI_USAGE")).toBe(true);
      expect((err as Error).message).toContain(`invalid duration "${text}" for --timeout: ${why}`);
      expect((err as Error).message).toContain("imgverify resolve --help");
    }
  });
});
