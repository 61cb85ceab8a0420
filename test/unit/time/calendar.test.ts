import { describe, expect, it } from "vitest";
import { utcTime } from "../../../src/time/calendar.ts";

describe("utcTime", () => {
  it("builds the UTC instant of valid fields", () => {
    expect(utcTime([2024, 2, 29, 23, 59, 59], 500)?.toISOString()).toBe("2024-02-29T23:59:59.500Z");
  });

  it("keeps years below 100 as written", () => {
    expect(utcTime([99, 12, 31, 0, 0, 0])?.getUTCFullYear()).toBe(99);
  });

  it.each([
    ["February 30th", [2023, 2, 30, 0, 0, 0]],
    ["February 29th of a common year", [2023, 2, 29, 0, 0, 0]],
    ["month 13", [2023, 13, 1, 0, 0, 0]],
    ["hour 24", [2023, 1, 1, 24, 0, 0]],
    ["minute 60", [2023, 1, 1, 0, 60, 0]],
    ["second 60", [2023, 1, 1, 0, 0, 60]],
  ])("refuses %s", (_what, fields) => {
    expect(utcTime(fields)).toBeUndefined();
  });
});
