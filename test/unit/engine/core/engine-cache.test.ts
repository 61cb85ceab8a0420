import { describe, expect, it } from "vitest";
import { budgetMs, canonicalJson, VerificationCache } from "../../../../src/engine/index.ts";
import { Slots } from "../../../../src/engine/slots.ts";
import type { VerifyImagesPolicy } from "../../../../src/policy/index.ts";
import { FakeClock } from "../../oci/fake-clock.ts";
import { verifiedAttestation as attestation } from "./world.ts";

describe("VerificationCache", () => {
  it("keeps verified results for its TTL and counts hits and misses", async () => {
    const clock = new FakeClock();
    const cache = new VerificationCache({ clock, ttlMs: 1000 });
    const result = [attestation({ a: 1 })];
    await cache.rememberVerified("k", result);
    expect(await cache.verified("k")).toEqual(result);
    await clock.advance(1000);
    expect(await cache.verified("k")).toBeUndefined();
    expect(cache.stats).toEqual({
      hits: 1,
      misses: 1,
      stored: 1,
      tooLarge: 0,
      sharedHits: 0,
      sharedErrors: 0,
    });
  });

  it("keeps at most maxBytes of results, dropping the least recently used", async () => {
    const cache = new VerificationCache({ clock: new FakeClock(), maxBytes: 3000 });
    const result = (n: number) => [attestation({ blob: "x".repeat(1000), n })];
    await cache.rememberVerified("k1", result(1));
    await cache.rememberVerified("k2", result(2));
    expect(await cache.verified("k1")).toEqual(result(1));
    await cache.rememberVerified("k3", result(3));
    expect(await cache.verified("k2")).toBeUndefined();
    expect(await cache.verified("k1")).toEqual(result(1));
    expect(await cache.verified("k3")).toEqual(result(3));
  });

  it("keeps neither an empty result nor one over maxEntryBytes", async () => {
    const cache = new VerificationCache({ clock: new FakeClock(), maxEntryBytes: 100 });
    await cache.rememberVerified("empty", []);
    await cache.rememberVerified("big", [attestation({ blob: "x".repeat(200) })]);
    expect(await cache.verified("empty")).toBeUndefined();
    expect(await cache.verified("big")).toBeUndefined();
    expect(cache.stats).toMatchObject({ stored: 0, tooLarge: 1 });
  });

  describe("with a shared tier", () => {
    /** A shared store over a Map, as another process would see it. */
    const mapStore = () => {
      const map = new Map<string, unknown>();
      return {
        map,
        get: async (key: string) => map.get(key),
        put: async (key: string, value: unknown) => {
          map.set(key, JSON.parse(JSON.stringify(value)));
        },
      };
    };

    it("answers another process's lookup from what one verified, with its TTL", async () => {
      const store = mapStore();
      const puts: number[] = [];
      const first = new VerificationCache({
        clock: new FakeClock(),
        ttlMs: 5000,
        shared: { ...store, put: (k, v, ttl) => (puts.push(ttl), store.put(k, v)) },
      });
      const result = [attestation({ a: 1 })];
      await first.rememberVerified("k", result);
      expect(puts).toEqual([5000]);
      const second = new VerificationCache({ clock: new FakeClock(), shared: store });
      expect(await second.verified("k")).toEqual(result);
      expect(await second.verified("k")).toEqual(result);
      expect(second.stats).toMatchObject({ hits: 2, sharedHits: 1, misses: 0 });
    });

    it("ignores what is not verified evidence, and a store that fails or hangs", async () => {
      const store = mapStore();
      store.map.set("forged", [{ format: "cosign", source: 7 }]);
      store.map.set("empty", []);
      const cache = new VerificationCache({ clock: new FakeClock(), shared: store });
      expect(await cache.verified("forged")).toBeUndefined();
      expect(await cache.verified("empty")).toBeUndefined();
      expect(cache.stats).toMatchObject({ misses: 2, sharedErrors: 2 });

      const broken = new VerificationCache({
        clock: new FakeClock(),
        sharedTimeoutMs: 20,
        shared: {
          get: () => new Promise(() => {}),
          put: () => Promise.reject(new Error("down")),
        },
      });
      expect(await broken.verified("k")).toBeUndefined();
      await broken.rememberVerified("k", [attestation({ a: 1 })]);
      expect(await broken.verified("k")).toEqual([attestation({ a: 1 })]);
      expect(broken.stats).toMatchObject({ sharedErrors: 2, stored: 1 });
    });
  });

  it("keeps a tag's digest only when a digest TTL is set", () => {
    const clock = new FakeClock();
    const target = {
      name: "r/a:v1",
      repository: { registry: "r", repository: "a" },
      digest: "sha256:00",
    };
    const off = new VerificationCache({ clock });
    off.rememberDigest("r/a:v1", target);
    expect(off.digest("r/a:v1")).toBeUndefined();
    const on = new VerificationCache({ clock, digestTtlMs: 5000 });
    on.rememberDigest("r/a:v1", target);
    expect(on.digest("r/a:v1")).toEqual(target);
  });

  it("refuses a TTL outside 0 to 24 h", () => {
    expect(() => new VerificationCache({ clock: new FakeClock(), ttlMs: -1 })).toThrow(/ttlMs/);
    expect(
      () => new VerificationCache({ clock: new FakeClock(), digestTtlMs: Number.NaN }),
    ).toThrow(/digestTtlMs/);
  });

  it("writes equal configurations as equal text whatever their key order", () => {
    expect(canonicalJson({ b: [{ y: 1, x: 2 }], a: "s" })).toBe(
      canonicalJson({ a: "s", b: [{ x: 2, y: 1 }] }),
    );
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
});

describe("budgetMs", () => {
  const policy = (webhookTimeoutSeconds: number | undefined) =>
    ({ webhookTimeoutSeconds }) as VerifyImagesPolicy;

  it("takes the shortest timeout of the matched policies, less 10 % up to 1 s", () => {
    expect(budgetMs([])).toBe(9000);
    expect(budgetMs([policy(undefined), policy(20), policy(5)])).toBe(4500);
    expect(budgetMs([policy(30)])).toBe(29_000);
    expect(budgetMs([policy(undefined)], 2)).toBe(1800);
    expect(budgetMs([policy(4)], 10, 0)).toBe(4000);
  });

  it("refuses a default or margin it cannot use", () => {
    expect(() => budgetMs([], 0)).toThrow(/defaultTimeoutSeconds/);
    expect(() => budgetMs([], 31)).toThrow(/defaultTimeoutSeconds/);
    expect(() => budgetMs([policy(1)], 10, 1000)).toThrow(/marginMs/);
  });
});

describe("Slots", () => {
  it("runs at most `size` tasks at once, in order, and frees a slot whatever the task did", async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
      order.push(i);
      if (i === 1) throw new Error("task 1 failed");
      return i;
    };
    const settled = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => slots.run(task(i))));
    expect(most).toBe(2);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(order).toHaveLength(5);
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});
