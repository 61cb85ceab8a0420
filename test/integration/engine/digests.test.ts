/**
 * Digests and memory across admissions, over docker-registry 2.8 behind the
 * counting proxy: `mutateDigest` pins a tag to the digest verified,
 * `verifyDigest` refuses a tag the answer cannot pin (a validating webhook),
 * a second identical admission asks the registry only what a tag names, and
 * a failure is never remembered: the image signed between two admissions
 * passes the second.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { systemClock } from "../../../src/deps.ts";
import { VerificationCache } from "../../../src/engine/index.ts";
import {
  admit,
  admitBothWays,
  expectEachRequestOnce,
  newSigner,
  type ProxiedRegistry,
  pod,
  proxiedRegistry,
  pushUnsigned,
  type Signer,
  signImage,
} from "./fixtures.ts";
import { clusterPolicy, entry, keyEntry, loadPolicies } from "./policy-yaml.ts";

const registries = inject("registries");

/** One Enforce policy of one rule `signed`: images under `pattern` signed by `signer`. */
const policy = (name: string, pattern: string, signer: Signer, fields: string[] = []): string =>
  clusterPolicy(name, { signed: entry(pattern, [keyEntry(signer.publicPem)], { fields }) });

describe("digests and the cross-request cache (anonymous registry)", () => {
  let setup: ProxiedRegistry;
  let signer: Signer;
  let refs: string;
  let app: { proxied: string; digest: string; repository: string };

  beforeAll(async () => {
    setup = await proxiedRegistry(registries.anonymous);
    signer = newSigner();
    const image = await pushUnsigned(setup, "engine-digests/app");
    await signImage(setup, image, [signer]);
    app = image;
    refs = `${setup.proxy.host}/engine-digests/*`;
  });
  afterAll(() => setup?.close());

  it("mutateDigest pins the tag to the verified digest", async () => {
    const policies = loadPolicies(policy("pin", refs, signer));
    const { parallel } = await admitBothWays(setup, pod(app.proxied), policies);
    const { evaluation } = parallel;
    expect(evaluation.allowed).toBe(true);
    expect(evaluation.patch[0]).toEqual({
      op: "replace",
      path: "/spec/containers/0/image",
      value: `${app.proxied}@${app.digest}`,
    });
    const pinned = `${app.proxied.replace(/:v1$/, "")}@${app.digest}`;
    expect(evaluation.patch[1]).toMatchObject({
      op: "add",
      path: "/metadata/annotations",
      value: { "kyverno.io/verify-images": JSON.stringify({ [pinned]: "pass" }) },
    });
  });

  it("verifyDigest without mutateDigest denies a tag in a validating webhook without asking the registry, and passes a digest", async () => {
    const policies = loadPolicies(policy("digests-only", refs, signer, ["mutateDigest: false"]));
    const tagged = await admitBothWays(setup, pod(app.proxied), policies, { mutate: false });
    expect(tagged.parallel.evaluation.allowed).toBe(false);
    expect(tagged.parallel.evaluation.message).toMatch(
      new RegExp(
        `digests-only:\\n  signed: missing digest for ${app.proxied.replaceAll(".", "\\.")}`,
      ),
    );
    expect(tagged.parallel.stats.requests).toBe(0);
    expect(tagged.sequential.stats.requests).toBe(0);

    const byDigest = `${app.proxied}@${app.digest}`;
    const pinned = await admitBothWays(setup, pod(byDigest), policies, { mutate: false });
    expect(pinned.parallel.evaluation).toMatchObject({ allowed: true, patch: [] });
    expect(pinned.parallel.evaluation.results).toMatchObject([
      { status: "pass", digest: app.digest },
    ]);
  });

  it("mutateDigest in a validating webhook cannot pin, so a tag is denied too", async () => {
    const policies = loadPolicies(policy("pin", refs, signer));
    const { parallel } = await admitBothWays(setup, pod(app.proxied), policies, { mutate: false });
    expect(parallel.evaluation.allowed).toBe(false);
    expect(parallel.evaluation.results).toMatchObject([
      { status: "fail", message: `missing digest for ${app.proxied}` },
    ]);
  });

  it("verifyDigest: false admits a tag in a validating webhook, unpinned", async () => {
    const policies = loadPolicies(
      policy("tags-ok", refs, signer, ["mutateDigest: false", "verifyDigest: false"]),
    );
    const { parallel } = await admitBothWays(setup, pod(app.proxied), policies, { mutate: false });
    expect(parallel.evaluation).toMatchObject({ allowed: true, patch: [] });
  });

  it("answers a second identical admission from the cache, asking the registry only what the tag names, and a pinned one nothing", async () => {
    const cache = new VerificationCache({ clock: systemClock });
    const policies = loadPolicies(policy("cached", refs, signer));
    const first = await admit(setup, pod(app.proxied, app.proxied), policies, { cache });
    expectEachRequestOnce(first);
    expect(first.evaluation.allowed).toBe(true);
    expect(first.stats.requests).toBe(3);

    const second = await admit(setup, pod(app.proxied, app.proxied), policies, { cache });
    expect(second.evaluation).toEqual({ ...first.evaluation, timing: expect.anything() });
    expect(second.evaluation.timing.cachedChecks).toBe(1);
    expect(setup.proxy.log.map((r) => `${r.method} ${r.path}`)).toEqual([
      `HEAD /v2/${app.repository}/manifests/v1`,
    ]);

    // By digest with every verdict cached: nothing is asked at all (the digest names the content).
    const byDigest = pod(`${app.proxied}@${app.digest}`);
    await admit(setup, byDigest, policies, { cache });
    const third = await admit(setup, byDigest, policies, { cache });
    expect(third.evaluation.allowed).toBe(true);
    expect(setup.proxy.log.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it("resolves a tag afresh each time: a tag moved to an unsigned image is denied despite the cache", async () => {
    const cache = new VerificationCache({ clock: systemClock });
    const moving = await pushUnsigned(setup, "engine-digests/moving");
    await signImage(setup, moving, [signer]);
    const policies = loadPolicies(policy("moving", refs, signer));
    const before = await admit(setup, pod(moving.proxied), policies, { cache });
    expect(before.evaluation.allowed).toBe(true);

    const moved = await pushUnsigned(setup, "engine-digests/moving");
    expect(moved.digest).not.toBe(moving.digest);
    const after = await admit(setup, pod(moving.proxied), policies, { cache });
    expect(after.evaluation.allowed).toBe(false);
    expect(after.evaluation.message).toContain(
      `no signatures found for ${moved.proxied}@${moved.digest}`,
    );
  });

  it("folds a warm admission by tag while its HEAD is out, and follows the tag to another signed image", async () => {
    const cache = new VerificationCache({ clock: systemClock });
    const tagged = await pushUnsigned(setup, "engine-digests/foreseen");
    await signImage(setup, tagged, [signer]);
    const policies = loadPolicies(policy("foreseen", refs, signer));
    // A HEAD that takes a round trip, as across a network: the early fold is done long before.
    setup.proxy.setLatency(30);
    try {
      const cold = await admit(setup, pod(tagged.proxied), policies, { cache });
      expect(cold.evaluation.allowed).toBe(true);
      const warm = await admit(setup, pod(tagged.proxied), policies, { cache });
      expect(warm.evaluation.timing).toMatchObject({ foreseen: 1, cachedChecks: 1, requests: 1 });
      expect(warm.evaluation).toEqual({ ...cold.evaluation, timing: expect.anything() });

      const moved = await pushUnsigned(setup, "engine-digests/foreseen");
      await signImage(setup, moved, [signer]);
      expect(moved.digest).not.toBe(tagged.digest);
      const after = await admit(setup, pod(tagged.proxied), policies, { cache });
      expect(after.evaluation.timing.foreseen).toBe(0);
      expect(after.evaluation.allowed).toBe(true);
      expect(after.evaluation.results).toMatchObject([{ status: "pass", digest: moved.digest }]);
      expect(after.evaluation.patch[0]).toEqual({
        op: "replace",
        path: "/spec/containers/0/image",
        value: `${tagged.proxied}@${moved.digest}`,
      });
    } finally {
      setup.proxy.setLatency(0);
    }
  });

  it("asks the registry again under useCache: false", async () => {
    const cache = new VerificationCache({ clock: systemClock });
    const policies = loadPolicies(policy("uncached", refs, signer, ["useCache: false"]));
    const first = await admit(setup, pod(app.proxied), policies, { cache });
    const second = await admit(setup, pod(app.proxied), policies, { cache });
    expect(second.evaluation.allowed).toBe(true);
    expect(second.evaluation.timing.cachedChecks).toBe(0);
    expect(second.stats.requests).toBe(first.stats.requests);
    expect(cache.stats.stored).toBe(0);
  });

  it("never remembers a failure: an image signed between two admissions passes the second", async () => {
    const cache = new VerificationCache({ clock: systemClock });
    const late = await pushUnsigned(setup, "engine-digests/late");
    const policies = loadPolicies(policy("late", refs, signer));
    const before = await admit(setup, pod(late.proxied), policies, { cache });
    expectEachRequestOnce(before);
    expect(before.evaluation.allowed).toBe(false);
    expect(before.evaluation.message).toContain(`failed to verify image ${late.proxied}`);

    await signImage(setup, late, [signer]);
    const after = await admit(setup, pod(late.proxied), policies, { cache });
    expect(after.evaluation.allowed).toBe(true);
    expect(after.evaluation.results).toMatchObject([{ status: "pass", digest: late.digest }]);
    expect(after.evaluation.timing.cachedChecks).toBe(0);
  });
});
