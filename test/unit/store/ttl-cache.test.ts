import { describe, expect, it } from "vitest";
import { TtlCache } from "../../../src/store/ttl-cache.ts";

function fakeClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe("TtlCache", () => {
  it("returns what was set until it expires", () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, string>({ maxEntries: 10, ttlMs: 100, clock });
    cache.set("a", "A");
    clock.advance(99);
    expect(cache.get("a")).toBe("A");
    clock.advance(1);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("evicts the least recently used entry beyond maxEntries", () => {
    const cache = new TtlCache<string, number>({ maxEntries: 2, ttlMs: 1000, clock: fakeClock() });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now most recent
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
  });

  it("peeks at a live entry without marking it used", () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, number>({ maxEntries: 2, ttlMs: 100, clock });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.peek("a")).toBe(1);
    cache.set("c", 3); // a stays the least recently used
    expect(cache.peek("a")).toBeUndefined();
    clock.advance(100);
    expect(cache.peek("b")).toBeUndefined();
  });

  it("evicts the least recently used until the total weight fits, and keeps no value heavier than all", () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, string>({
      maxEntries: 100,
      maxWeight: 10,
      weigh: (value, key) => value.length + key.length,
      ttlMs: 1000,
      clock,
    });
    cache.set("a", "1234"); // 5
    cache.set("b", "1234"); // 10
    expect(cache.get("a")).toBe("1234"); // b is now the oldest
    cache.set("c", "12"); // 13: b goes
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["1234", undefined, "12"]);
    expect(cache.weight).toBe(8);
    cache.set("a", "1"); // replacing frees the old weight
    expect(cache.weight).toBe(5);
    cache.set("huge", "x".repeat(20));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.weight).toBe(5);
    clock.advance(1000);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBeUndefined();
    expect(cache.weight).toBe(0);
  });

  it("caps a per-entry TTL at the cache TTL and keeps nothing for 0", () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, number>({ maxEntries: 5, ttlMs: 50, clock });
    cache.set("long", 1, 10_000);
    cache.set("none", 2, 0);
    expect(cache.get("none")).toBeUndefined();
    clock.advance(50);
    expect(cache.get("long")).toBeUndefined();
  });

  it("keeps nothing when the TTL or size is 0", () => {
    const zeroTtl = new TtlCache<string, number>({ maxEntries: 5, ttlMs: 0, clock: fakeClock() });
    zeroTtl.set("a", 1);
    expect(zeroTtl.get("a")).toBeUndefined();
    const zeroSize = new TtlCache<string, number>({ maxEntries: 0, ttlMs: 50, clock: fakeClock() });
    zeroSize.set("a", 1);
    expect(zeroSize.size).toBe(0);
  });

  it("rejects nonsense bounds", () => {
    const clock = fakeClock();
    expect(() => new TtlCache({ maxEntries: -1, ttlMs: 1, clock })).toThrow(/maxEntries/);
    expect(() => new TtlCache({ maxEntries: 1.5, ttlMs: 1, clock })).toThrow(/maxEntries/);
    expect(() => new TtlCache({ maxEntries: 1, ttlMs: Number.NaN, clock })).toThrow(/ttlMs/);
  });
});
