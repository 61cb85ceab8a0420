import { describe, expect, it } from "vitest";
import { jsonLineLogger } from "../../../src/cli/logger.ts";

describe("jsonLineLogger", () => {
  it("writes one JSON line per entry, and no field can replace the line's time, level or message", () => {
    const lines: string[] = [];
    const clock = { now: () => 0, sleep: () => Promise.resolve() };
    const logger = jsonLineLogger((line) => lines.push(line), clock, "info");
    logger.debug("hidden");
    logger.warn("certificate refused", { message: "key values mismatch", level: "debug", n: 1 });
    expect(lines).toEqual([
      `${JSON.stringify({
        time: "1970-01-01T00:00:00.000Z",
        level: "warn",
        message: "certificate refused",
        "fields.message": "key values mismatch",
        "fields.level": "debug",
        n: 1,
      })}\n`,
    ]);
  });
});
