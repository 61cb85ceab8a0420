import { describe, expect, it } from "vitest";
import { VerificationCache } from "../../../../src/engine/index.ts";
import { hang } from "../../oci/fake-net.ts";
import {
  admission,
  attestedEntry,
  evaluate,
  freshKey,
  HOST,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  runClock,
  verdictOf,
  type World,
  world,
} from "./world.ts";

type Key = Awaited<ReturnType<typeof freshKey>>;

const signedBy = (...keys: Key[]) => ({
  imageReferences: REFS,
  attestors: [{ entries: keys.map(keyEntry) }],
});
const attested = (key: Key, builder: string) =>
  attestedEntry(key, [{ all: [{ key: "{{ builder.id }}", operator: "Equals", value: builder }] }]);

/** `METHOD url` of each exchange since `from`. */
const exchanges = (w: World, from = 0): string[] =>
  w.net.log.slice(from).map((r) => `${r.method} ${r.url.href}`);

describe("evaluateAdmission: one store per request", () => {
  it("makes each distinct registry request once for a Deployment sharing images across containers and policies", async () => {
    const w = world();
    const [a, b] = [await freshKey(), await freshKey()];
    await pushSigned(
      w.registry,
      "app",
      "v1",
      [a, b],
      [{ key: a, predicate: { builder: { id: "ci" } } }],
    );
    await pushSigned(w.registry, "lib", "v1", [a, b]);
    const request = admission(
      [
        { name: "one", image: image("app") },
        { name: "two", image: image("app") },
        { name: "three", image: image("app") },
        { name: "four", image: image("lib") },
      ],
      "Deployment",
    );
    const loaded = policies(
      {
        name: "signed",
        rules: [{ name: "sig", kinds: ["Deployment"], entries: [signedBy(a, b)] }],
      },
      {
        name: "built",
        rules: [
          { name: "key-a", kinds: ["Deployment"], entries: [signedBy(a)] },
          {
            name: "slsa",
            kinds: ["Deployment"],
            entries: [{ ...attested(a, "ci"), imageReferences: [image("app")] }],
          },
        ],
      },
    );
    const result = await evaluate(w, request, loaded);
    expect(result.allowed).toBe(true);
    expect(result.results).toHaveLength(4 + 4 + 3);
    expect(result.results.every((r) => r.status === "pass")).toBe(true);
    const made = exchanges(w);
    expect(made).toEqual([...new Set(made)]);
    expect(result.timing.requests).toBe(made.length);
    expect(result.timing.sharedRequests).toBeGreaterThan(0);
    expect(result.timing.resolutions).toBe(2);

    // Kyverno 1.11's way asks again for every container, rule and signer.
    const before = w.net.log.length;
    const sequential = await evaluate(w, request, loaded, { sequential: true });
    expect(verdictOf(sequential)).toEqual(verdictOf(result));
    const again = exchanges(w, before);
    expect(again.length).toBeGreaterThan(made.length);
    expect(sequential.timing).toMatchObject({
      mode: "sequential",
      sharedRequests: 0,
      requests: again.length,
    });
  });

  it("reaches the same verdicts sequentially and in parallel", async () => {
    const w = world();
    const [a, b, c] = [await freshKey(), await freshKey(), await freshKey()];
    await pushSigned(
      w.registry,
      "app",
      "v1",
      [a],
      [{ key: a, predicate: { builder: { id: "ci" } } }],
    );
    await pushSigned(w.registry, "bare", "v1", []);
    const containers = [
      { name: "app", image: image("app") },
      { name: "bare", image: image("bare") },
      { name: "gone", image: image("gone") },
    ];
    const scenarios = [
      policies({ entries: [signedBy(a)] }),
      policies({ entries: [signedBy(a, b)] }),
      policies({
        entries: [
          { imageReferences: REFS, attestors: [{ count: 1, entries: [keyEntry(c), keyEntry(a)] }] },
        ],
      }),
      policies({ action: "Audit", entries: [{ ...signedBy(b), verifyDigest: false }] }),
      policies({ entries: [{ ...signedBy(a), required: false }] }),
      policies(
        { entries: [attested(a, "ci")] },
        { name: "q", entries: [attested(a, "elsewhere")] },
      ),
      policies({ failurePolicy: "Ignore", entries: [signedBy(c)] }),
    ];
    for (const loaded of scenarios) {
      const request = admission(containers);
      const parallel = await evaluate(w, request, loaded);
      const sequential = await evaluate(w, request, loaded, { sequential: true });
      expect(verdictOf(sequential)).toEqual(verdictOf(parallel));
      const narrow = await evaluate(w, request, loaded, { maxParallelChecks: 1, useCache: false });
      expect(verdictOf(narrow)).toEqual(verdictOf(parallel));
    }
  });
});

describe("evaluateAdmission: the cross-request cache", () => {
  it("answers a repeated check from the cache and still evaluates its conditions", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(
      w.registry,
      "app",
      "v1",
      [key],
      [{ key, predicate: { builder: { id: "ci" } } }],
    );
    const request = admission([{ name: "c", image: image("app") }]);
    const first = await evaluate(w, request, policies({ entries: [attested(key, "ci")] }));
    expect(first.results[0]?.status).toBe("pass");
    expect(first.timing).toMatchObject({ checks: 1, cachedChecks: 0 });

    const before = w.net.log.length;
    const second = await evaluate(w, request, policies({ entries: [attested(key, "other")] }));
    expect(second.results[0]?.status).toBe("fail");
    expect(second.results[0]?.message).toContain("attestation checks failed");
    expect(second.timing).toMatchObject({ checks: 0, cachedChecks: 1 });
    // Only the tag is resolved again: its digest is not kept by default.
    expect(exchanges(w, before)).toEqual([
      `HEAD https://registry.example.test/v2/app/manifests/v1`,
    ]);
  });

  it("keeps a tag's digest only when told, and never serves the cache to useCache: false", async () => {
    const w = world();
    w.cache = new VerificationCache({ clock: w.clock, digestTtlMs: 30_000 });
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const request = admission([{ name: "c", image: image("app") }]);
    const loaded = policies({ entries: [signedBy(key)] });
    await evaluate(w, request, loaded);
    const before = w.net.log.length;
    const cached = await evaluate(w, request, loaded);
    expect(cached.results[0]?.status).toBe("pass");
    expect(w.net.log.length).toBe(before);
    await w.clock.advance(30_000);
    await evaluate(w, request, loaded);
    expect(exchanges(w, before)).toEqual([
      `HEAD https://registry.example.test/v2/app/manifests/v1`,
    ]);

    const uncached = await evaluate(
      w,
      request,
      policies({ entries: [{ ...signedBy(key), useCache: false }] }),
    );
    expect(uncached.timing).toMatchObject({ checks: 1, cachedChecks: 0 });
  });

  it("answers a digest-pinned admission whose verdicts are all cached with no registry request", async () => {
    const w = world();
    const [key, other] = [await freshKey(), await freshKey()];
    const digest = await pushSigned(
      w.registry,
      "app",
      "v1",
      [key],
      [{ key, predicate: { builder: { id: "ci" } } }],
    );
    const request = admission([{ name: "c", image: `${HOST}/app@${digest}` }]);
    const loaded = policies({ entries: [signedBy(key), attested(key, "ci")] });
    const cold = await evaluate(w, request, loaded);
    expect(cold.allowed).toBe(true);
    expect(exchanges(w)).toContain(`HEAD https://registry.example.test/v2/app/manifests/${digest}`);

    let before = w.net.log.length;
    const warm = await evaluate(w, request, loaded);
    expect(verdictOf(warm)).toEqual(verdictOf(cold));
    expect(warm.timing).toMatchObject({ checks: 0, cachedChecks: 2 });
    expect(exchanges(w, before)).toEqual([]);

    // Conditions are evaluated again over the cached statement, still without a request.
    const stricter = await evaluate(w, request, policies({ entries: [attested(key, "other")] }));
    expect(stricter.results[0]?.status).toBe("fail");
    expect(exchanges(w, before)).toEqual([]);

    // One check the cache does not hold: the image is resolved as on a cold admission.
    before = w.net.log.length;
    const mixed = await evaluate(
      w,
      request,
      policies({ entries: [signedBy(key)] }, { name: "q", entries: [signedBy(other)] }),
    );
    expect(mixed.allowed).toBe(false);
    expect(mixed.timing).toMatchObject({ checks: 1, cachedChecks: 1 });
    expect(exchanges(w, before)[0]).toBe(
      `HEAD https://registry.example.test/v2/app/manifests/${digest}`,
    );
  });

  it("treats a tag beside the digest as pinned, and resolves a pinned image nothing may be cached for", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "app", "v1", [key]);
    const loaded = policies({ entries: [signedBy(key)] });
    const tagged = admission([{ name: "c", image: `${HOST}/app:v1@${digest}` }]);
    await evaluate(w, tagged, loaded);
    let before = w.net.log.length;
    expect((await evaluate(w, tagged, loaded)).allowed).toBe(true);
    expect(exchanges(w, before)).toEqual([]);

    const pinned = admission([{ name: "c", image: `${HOST}/app@${digest}` }]);
    const uncached = policies({ entries: [{ ...signedBy(key), useCache: false }] });
    await evaluate(w, pinned, uncached);
    before = w.net.log.length;
    expect((await evaluate(w, pinned, uncached)).timing).toMatchObject({ checks: 1 });
    expect(exchanges(w, before)[0]).toBe(
      `HEAD https://registry.example.test/v2/app/manifests/${digest}`,
    );
  });

  it("does not remember a failure", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", []);
    const request = admission([{ name: "c", image: image("app") }]);
    const loaded = policies({ entries: [signedBy(key)] });
    expect((await evaluate(w, request, loaded)).results[0]?.status).toBe("fail");
    await pushSigned(w.registry, "app", "v1", [key]);
    const second = await evaluate(w, request, loaded);
    expect(second.results[0]?.status).toBe("pass");
    expect(w.cache.stats.stored).toBe(1);
  });
});

describe("evaluateAdmission: the deadline", () => {
  function slowWorld(): World {
    const w = world();
    w.net.route("https://slow.example.test", hang);
    return w;
  }

  const slow = (key: Key) => ({
    imageReferences: ["slow.example.test/*"],
    attestors: [{ entries: [keyEntry(key)] }],
  });

  it("denies under failurePolicy Fail, naming what was still pending, within the policy's timeout", async () => {
    const w = slowWorld();
    const key = await freshKey();
    const request = admission([{ name: "c", image: "slow.example.test/app:v1" }]);
    const start = w.clock.now();
    const result = await runClock(
      w,
      evaluate(w, request, policies({ timeoutSeconds: 5, entries: [slow(key)] })),
      20_000,
    );
    expect(result.timing).toMatchObject({ timedOut: true, budgetMs: 4500 });
    expect(w.clock.now() - start).toBeLessThanOrEqual(4750);
    expect(result.allowed).toBe(false);
    expect(result.results[0]).toMatchObject({ status: "error", code: "DEADLINE_EXCEEDED" });
    expect(result.message).toContain("timed out resolving slow.example.test/app:v1");
  });

  it("counts the budget from when the admission arrived, not from when evaluation began", async () => {
    const w = slowWorld();
    const key = await freshKey();
    const request = admission([{ name: "c", image: "slow.example.test/app:v1" }]);
    // Read and decoded under load for 1.5 s before the engine saw it.
    const receivedAt = w.clock.now() - 1500;
    const start = w.clock.now();
    const result = await runClock(
      w,
      evaluate(w, request, policies({ timeoutSeconds: 5, entries: [slow(key)] }), { receivedAt }),
      20_000,
    );
    expect(result.timing).toMatchObject({ timedOut: true, budgetMs: 4500 });
    expect(w.clock.now() - start).toBeLessThanOrEqual(3250);
    expect(w.clock.now() - receivedAt).toBeLessThanOrEqual(4750);
    expect(result.results[0]).toMatchObject({ code: "DEADLINE_EXCEEDED" });
  });

  it("admits with a warning under failurePolicy Ignore, keeping what did finish", async () => {
    const w = slowWorld();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const request = admission([
      { name: "c", image: "slow.example.test/app:v1" },
      { name: "d", image: image("app") },
    ]);
    const loaded = policies({
      failurePolicy: "Ignore",
      entries: [
        {
          imageReferences: [...REFS, "slow.example.test/*"],
          attestors: [{ entries: [keyEntry(key)] }],
        },
      ],
    });
    const result = await runClock(w, evaluate(w, request, loaded), 20_000);
    expect(result.timing).toMatchObject({ timedOut: true, budgetMs: 9000 });
    expect(result.allowed).toBe(true);
    expect(result.results.map((r) => r.status)).toEqual(["error", "pass"]);
    expect(result.warnings).toEqual(["policy p.r0: timed out resolving slow.example.test/app:v1"]);
  });
});
