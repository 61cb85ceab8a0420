import { describe, expect, it } from "vitest";
import type { VerifiedAttestation } from "../../../../src/engine/checks/index.ts";
import { budgetMs, canonicalJson, VerificationCache } from "../../../../src/engine/index.ts";
import { Slots } from "../../../../src/engine/slots.ts";
import type { VerifyImagesPolicy } from "../../../../src/policy/index.ts";
import { FakeClock } from "../../oci/fake-clock.ts";

const attestation = (predicate: unknown): VerifiedAttestation => ({
  format: "cosign",
  source: "registry.example.test/app@sha256:00",
  signer: { kind: "key", keyId: "ab" },
  predicateType: "https://slsa.dev/provenance/v1",
  statement: {
    _type: "https://in-toto.io/Statement/v1",
    subject: [],
    predicateType: "x",
    predicate,
  } as VerifiedAttestation["statement"],
});

describe("VerificationCache", () => {
  it("keeps verified results for its TTL and counts hits and misses", async () => {
    const clock = new FakeClock();
    const cache = new VerificationCache({ clock, ttlMs: 1000 });
    const result = [attestation({ a: 1 })];
    cache.rememberVerified("k", result);
    expect(cache.verified("k")).toEqual(result);
    await clock.advance(1000);
    expect(cache.verified("k")).toBeUndefined();
    expect(cache.stats).toEqual({ hits: 1, misses: 1, stored: 1, tooLarge: 0 });
  });

  it("keeps neither an empty result nor one over maxEntryBytes", () => {
    const cache = new VerificationCache({ clock: new FakeClock(), maxEntryBytes: 100 });
    cache.rememberVerified("empty", []);
    cache.rememberVerified("big", [attestation({ blob: "x".repeat(200) })]);
    expect(cache.verified("empty")).toBeUndefined();
    expect(cache.verified("big")).toBeUndefined();
    expect(cache.stats).toMatchObject({ stored: 0, tooLarge: 1 });
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
