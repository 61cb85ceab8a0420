import { describe, expect, it } from "vitest";
import { decodeAdmissionReview } from "../../../../src/admission/index.ts";
import { VerificationCache } from "../../../../src/engine/index.ts";
import { answersOf } from "../../../../src/engine/replay.ts";
import { readPolicies } from "../../../../src/policy/index.ts";
import {
  admission,
  attestedEntry,
  evaluate,
  freshKey,
  HOST,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  reviewJson,
  verdictOf,
  type World,
  world,
} from "./world.ts";

type Key = Awaited<ReturnType<typeof freshKey>>;

const signedBy = (key: Key, extra: Record<string, unknown> = {}) => ({
  imageReferences: REFS,
  attestors: [{ entries: [keyEntry(key)] }],
  ...extra,
});

const remembered = (w: World): number => answersOf(w.cache, w.clock).size;

const exchanges = (w: World, from: number): string[] =>
  w.net.log.slice(from).map((r) => `${r.method} ${r.url.pathname}`);

/** A pinned Pod admission of `repo@digest`, with its own uid. */
function pinnedAdmission(digest: string, uid: string, repo = "app") {
  const review = reviewJson([{ name: "c", image: `${HOST}/${repo}@${digest}` }]);
  (review.request as { uid: string }).uid = uid;
  return decodeAdmissionReview(review);
}

/** A world with `app:v1` signed by a key, and an admission of it pinned by digest, warm in the cache. */
async function warmWorld(cache?: (w: World) => VerificationCache) {
  const w = world();
  if (cache) w.cache = cache(w);
  const key = await freshKey();
  const digest = await pushSigned(w.registry, "app", "v1", [key]);
  const loaded = policies({ entries: [signedBy(key, { mutateDigest: true })] });
  const cold = await evaluate(w, pinnedAdmission(digest, "uid-0"), loaded);
  expect(cold.allowed).toBe(true);
  expect(cold.timing.checks).toBe(1);
  return { w, key, digest, loaded, cold };
}

describe("evaluateAdmission: answers replayed from the cache", () => {
  it("answers the same request with another uid as the cache would, without a request", async () => {
    const { w, digest, loaded, cold } = await warmWorld();
    const warm = await evaluate(w, pinnedAdmission(digest, "uid-1"), loaded);
    expect(remembered(w)).toBe(1);
    const before = w.net.log.length;
    const hits = w.cache.stats.hits;
    const replayed = await evaluate(w, pinnedAdmission(digest, "uid-2"), loaded);
    expect(verdictOf(replayed)).toEqual(verdictOf(warm));
    expect(verdictOf(replayed)).toEqual(verdictOf(cold));
    expect(replayed.timing).toMatchObject({ requests: 0, checks: 0, cachedChecks: 1 });
    expect(exchanges(w, before)).toEqual([]);
    // The cached evidence is used as a cold evaluation uses it: one hit per check.
    expect(w.cache.stats.hits).toBe(hits + 1);
    expect(replayed.patch.length).toBeGreaterThan(0);
  });

  it("keeps a replayed answer whole whatever a caller does with the one it got", async () => {
    const { w, digest, loaded } = await warmWorld();
    const first = await evaluate(w, pinnedAdmission(digest, "uid-1"), loaded);
    const expected = structuredClone(verdictOf(first));
    const replayed = await evaluate(w, pinnedAdmission(digest, "uid-2"), loaded);
    replayed.warnings.push("added");
    expect(() => replayed.patch.pop()).toThrow(TypeError);
    replayed.results.pop();
    expect(verdictOf(await evaluate(w, pinnedAdmission(digest, "uid-3"), loaded))).toEqual(
      expected,
    );
  });

  it("never answers for other policies, another image, another route or other trust", async () => {
    const { w, digest, loaded } = await warmWorld();
    await evaluate(w, pinnedAdmission(digest, "uid-1"), loaded);
    const other = await freshKey();
    const changed = await evaluate(
      w,
      pinnedAdmission(digest, "uid-2"),
      policies({ entries: [signedBy(other)] }),
    );
    expect(changed.allowed).toBe(false);
    expect(changed.timing.checks).toBe(1);

    const unsigned = await pushSigned(w.registry, "bare", "v1", []);
    const bare = await evaluate(w, pinnedAdmission(unsigned, "uid-3", "bare"), loaded);
    expect(bare.allowed).toBe(false);

    const validate = await evaluate(w, pinnedAdmission(digest, "uid-4"), loaded, { mutate: false });
    expect(validate.allowed).toBe(true);
    expect(validate.patch).toEqual([]);

    // Another trust material is another cache key: the check runs again.
    const otherRoot = { ...w, trust: { ...w.trust, id: "another-root" } };
    const fresh = await evaluate(otherRoot, pinnedAdmission(digest, "uid-5"), loaded);
    expect(fresh.timing.checks).toBe(1);
  });

  it("verifies again once an entry it was folded from expires, is evicted or is stored anew", async () => {
    const { w, key, digest, loaded } = await warmWorld((w) => {
      return new VerificationCache({ clock: w.clock, ttlMs: 60_000 });
    });
    await evaluate(w, pinnedAdmission(digest, "uid-1"), loaded);
    expect(remembered(w)).toBe(1);
    // The signature is gone from the registry: within the TTL the cache still vouches for it.
    const other = await freshKey();
    await pushSigned(w.registry, "app", "v1", [other]);
    expect((await evaluate(w, pinnedAdmission(digest, "uid-2"), loaded)).allowed).toBe(true);
    await w.clock.advance(60_000);
    const before = w.net.log.length;
    const expired = await evaluate(w, pinnedAdmission(digest, "uid-3"), loaded);
    expect(expired.allowed).toBe(false);
    expect(exchanges(w, before).length).toBeGreaterThan(0);

    // Signed again: verified anew, remembered anew; a cleared cache forgets the answer too.
    await pushSigned(w.registry, "app", "v1", [key]);
    expect((await evaluate(w, pinnedAdmission(digest, "uid-4"), loaded)).allowed).toBe(true);
    await evaluate(w, pinnedAdmission(digest, "uid-5"), loaded);
    expect(remembered(w)).toBe(1);
    w.cache.clear();
    await pushSigned(w.registry, "app", "v1", [other]);
    expect((await evaluate(w, pinnedAdmission(digest, "uid-6"), loaded)).allowed).toBe(false);
    expect(remembered(w)).toBe(0);
  });

  it("verifies again when the evidence it read was evicted, even if stored again since", async () => {
    const { w, digest, loaded } = await warmWorld(
      (w) => new VerificationCache({ clock: w.clock, maxEntries: 1 }),
    );
    await evaluate(w, pinnedAdmission(digest, "uid-1"), loaded);
    const [otherKey, other] = [await freshKey(), await freshKey()];
    const second = await pushSigned(w.registry, "lib", "v1", [otherKey]);
    // Evicts app's evidence (one entry at most).
    await evaluate(
      w,
      pinnedAdmission(second, "uid-2", "lib"),
      policies({ entries: [signedBy(otherKey)] }),
    );
    await pushSigned(w.registry, "app", "v1", [other]);
    const evicted = await evaluate(w, pinnedAdmission(digest, "uid-3"), loaded);
    expect(evicted.allowed).toBe(false);
    expect(evicted.timing.checks).toBe(1);
  });

  it("follows the namespace's labels", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "app", "v1", [key]);
    const doc = {
      apiVersion: "kyverno.io/v1",
      kind: "ClusterPolicy",
      metadata: { name: "prod-only" },
      spec: {
        validationFailureAction: "Enforce",
        rules: [
          {
            name: "signed",
            match: {
              any: [
                {
                  resources: {
                    kinds: ["Pod"],
                    namespaceSelector: { matchLabels: { env: "prod" } },
                  },
                },
              ],
            },
            verifyImages: [signedBy(key)],
          },
        ],
      },
    };
    const loaded = [...readPolicies([{ path: "p.json", text: JSON.stringify(doc) }]).policies];
    const prod = { matchFacts: { namespaceLabels: { env: "prod" } } };
    const dev = { matchFacts: { namespaceLabels: { env: "dev" } } };
    for (const uid of ["uid-1", "uid-2", "uid-3"]) {
      const answer = await evaluate(w, pinnedAdmission(digest, uid), loaded, prod);
      expect(answer.results.map((r) => r.status)).toEqual(["pass"]);
    }
    const unmatched = await evaluate(w, pinnedAdmission(digest, "uid-4"), loaded, dev);
    expect(unmatched.results).toEqual([]);
    expect(unmatched.patch).toEqual([]);
  });

  it("remembers nothing a condition, an error or a fresh check decided", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(
      w.registry,
      "app",
      "v1",
      [key],
      [{ key, predicate: { builder: { id: "ci" } } }],
    );
    const attested = policies({
      entries: [
        attestedEntry(key, [
          { all: [{ key: "{{ builder.id }}", operator: "Equals", value: "ci" }] },
        ]),
      ],
    });
    for (const uid of ["uid-1", "uid-2", "uid-3"]) {
      expect((await evaluate(w, pinnedAdmission(digest, uid), attested)).allowed).toBe(true);
    }
    expect(remembered(w)).toBe(0);

    // A tag resolved on each admission is a registry request: never replayed.
    const tagged = policies({ entries: [signedBy(key)] });
    const request = admission([{ name: "c", image: `${HOST}/app:v1` }]);
    await evaluate(w, request, tagged);
    await evaluate(w, request, tagged);
    expect(remembered(w)).toBe(0);

    // An error (an unreachable registry under Ignore) is never remembered.
    const ignoring = policies({
      failurePolicy: "Ignore",
      entries: [signedBy(key, { imageReferences: ["unreachable.example.test/*"] })],
    });
    const down = decodeAdmissionReview(
      reviewJson([{ name: "c", image: `unreachable.example.test/app@${digest}` }]),
    );
    await evaluate(w, down, ignoring);
    await evaluate(w, down, ignoring);
    expect(remembered(w)).toBe(0);
  });
});
