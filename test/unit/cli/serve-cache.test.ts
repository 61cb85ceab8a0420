import { describe, expect, it } from "vitest";
import { parseCacheChoice } from "../../../src/cli/serve/cache.ts";
import { thrownCode } from "../../support/errors.ts";

describe("parseCacheChoice", () => {
  it("leaves every bound to the cache's defaults when no flag is given", () => {
    expect(parseCacheChoice({})).toEqual({});
  });

  it("reads the result lifetime, the entry bound and the tag lifetime", () => {
    expect(
      parseCacheChoice({ "cache-ttl": "90m", "cache-entries": "5000", "tag-ttl": "30s" }),
    ).toEqual({ ttlMs: 90 * 60_000, maxEntries: 5000, digestTtlMs: 30_000 });
  });

  it("takes 0 and 0s as no reuse", () => {
    expect(parseCacheChoice({ "tag-ttl": "0" })).toEqual({ digestTtlMs: 0 });
    expect(parseCacheChoice({ "cache-ttl": "0s" })).toEqual({ ttlMs: 0 });
  });

  it.each([
    [{ "cache-entries": "0" }, /--cache-entries must be 1 to 100000/],
    [{ "cache-entries": "1e3" }, /--cache-entries/],
    [{ "tag-ttl": "2h" }, /--tag-ttl 2h is longer than 60m/],
    [{ "cache-ttl": "soon" }, /invalid duration "soon" for --cache-ttl/],
  ])("refuses %j naming the flag", (flags, message) => {
    expect(() => parseCacheChoice(flags)).toThrow(message);
    expect(thrownCode(() => parseCacheChoice(flags))).toBe("CLI_USAGE");
  });
});
