/**
 * Kyverno's verifyImages semantics over docker-registry 2.8 (anonymous and
 * token auth), every registry request counted at a proxy in front of it: a
 * Deployment (autogen) whose containers and init containers share an image
 * under two policies of two rules each, several policies of which one fails,
 * and attestor `count`. Each admission makes every distinct request once,
 * and Kyverno 1.11's sequential way reaches the same verdict.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  admit,
  admitBothWays,
  expectEachRequestOnce,
  newSigner,
  type ProxiedRegistry,
  pod,
  proxiedRegistry,
  pushUnsignedImages,
  review,
  type Signer,
  signImage,
  verdictOf,
} from "./fixtures.ts";
import { clusterPolicy, entry, keyEntry, loadPolicies } from "./policy-yaml.ts";

const registries = inject("registries");

describe.each(["anonymous", "token"] as const)("verifyImages semantics (%s registry)", (mode) => {
  let setup: ProxiedRegistry;
  let release: Signer;
  let ops: Signer;
  let stranger: Signer;
  let refs: string;
  let app: string;
  let sidecar: string;
  let single: string;

  beforeAll(async () => {
    setup = await proxiedRegistry(registries[mode]);
    [release, ops, stranger] = [newSigner(), newSigner(), newSigner()];
    const prefix = `engine-semantics/${mode}`;
    const images = await pushUnsignedImages(setup, prefix, ["app", "sidecar", "single"]);
    await Promise.all([
      signImage(setup, images.app, [release, ops]),
      signImage(setup, images.sidecar, [release, ops]),
      signImage(setup, images.single, [release]),
    ]);
    [app, sidecar, single] = [images.app.proxied, images.sidecar.proxied, images.single.proxied];
    refs = `${setup.proxy.host}/${prefix}/*`;
  });
  afterAll(() => setup?.close());

  it("admits a Deployment whose containers share an image under two policies of two rules, each request once", async () => {
    const policies = loadPolicies(
      [
        clusterPolicy("release", {
          "release-key": entry(refs, [keyEntry(release.publicPem)]),
          "ops-key": entry(refs, [keyEntry(ops.publicPem)]),
        }),
        clusterPolicy("supply-chain", {
          "both-keys": entry(refs, [keyEntry(release.publicPem), keyEntry(ops.publicPem)]),
          "release-again": entry(refs, [keyEntry(release.publicPem)]),
        }),
      ].join("---\n"),
    );
    const deployment = review("Deployment", {
      initContainers: [{ name: "migrate", image: app }],
      containers: [
        { name: "web", image: app },
        { name: "worker", image: app },
        { name: "proxy", image: sidecar },
      ],
    });
    // A round trip long enough that requests made at once overlap at the proxy.
    setup.proxy.setLatency(60);
    const parallel = await admit(setup, deployment, policies).finally(() =>
      setup.proxy.setLatency(0),
    );
    expectEachRequestOnce(parallel);
    // One request at a time never overlaps: its round trips are its requests, latency or not.
    const sequential = await admit(setup, deployment, policies, { sequential: true });
    expect(verdictOf(sequential.evaluation)).toEqual(verdictOf(parallel.evaluation));
    const { evaluation } = parallel;
    expect(evaluation.allowed).toBe(true);
    expect(evaluation.warnings).toEqual([]);
    // Autogen: the Pod rules apply to the Deployment's template as `autogen-<rule>`.
    const rules = new Set(evaluation.results.map((r) => `${r.policy}/${r.rule}`));
    expect([...rules].sort()).toEqual([
      "release/autogen-ops-key",
      "release/autogen-release-key",
      "supply-chain/autogen-both-keys",
      "supply-chain/autogen-release-again",
    ]);
    expect(evaluation.results).toHaveLength(16);
    expect(evaluation.results.every((r) => r.status === "pass")).toBe(true);
    const pins = evaluation.patch.filter((op) => op.path.endsWith("/image"));
    expect(pins.map((op) => op.path).sort()).toEqual([
      "/spec/template/spec/containers/0/image",
      "/spec/template/spec/containers/1/image",
      "/spec/template/spec/containers/2/image",
      "/spec/template/spec/initContainers/0/image",
    ]);
    // Each (image, key) check once: rules asking the same question share its answer.
    expect(evaluation.timing.checks).toBe(4);
    if (mode === "anonymous") {
      // Per image: its tag, its `.sig` manifest, and the one payload both signers signed,
      // both images at once: three round trips in all.
      expect(parallel.stats.requests).toBe(6);
      expect(parallel.roundTrips).toBe(3);
    }
    expect(sequential.roundTrips).toBeGreaterThan(parallel.roundTrips);
    expect(sequential.stats.requests).toBeGreaterThan(parallel.stats.requests);
  });

  it("denies when one of several policies on an image fails, naming only that policy and rule", async () => {
    const policies = loadPolicies(
      [
        clusterPolicy("release", { "release-key": entry(refs, [keyEntry(release.publicPem)]) }),
        clusterPolicy("vendor", {
          "ops-key": entry(refs, [keyEntry(ops.publicPem)]),
          "vendor-key": entry(refs, [keyEntry(stranger.publicPem)]),
        }),
      ].join("---\n"),
    );
    const { parallel } = await admitBothWays(setup, pod(app, sidecar), policies);
    const { evaluation } = parallel;
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.patch).toEqual([]);
    expect(evaluation.results.map((r) => `${r.rule} ${r.status}`).sort()).toEqual([
      "ops-key pass",
      "ops-key pass",
      "release-key pass",
      "release-key pass",
      "vendor-key fail",
      "vendor-key fail",
    ]);
    expect(evaluation.message).toMatch(/\n\nvendor:\n  vendor-key: '[^\n]+'\n$/);
    expect(evaluation.message).not.toContain("release-key");
    expect(evaluation.message).not.toContain("ops-key");
  });

  it("counts attestors: 2 of 3 keys pass when two signed, and fail when one did", async () => {
    const policies = loadPolicies(
      clusterPolicy("two-of-three", {
        quorum: entry(
          refs,
          [keyEntry(release.publicPem), keyEntry(ops.publicPem), keyEntry(stranger.publicPem)],
          { count: 2 },
        ),
      }),
    );
    const signedByTwo = await admitBothWays(setup, pod(app), policies);
    expect(signedByTwo.parallel.evaluation.allowed).toBe(true);
    expect(signedByTwo.parallel.evaluation.results).toMatchObject([{ status: "pass" }]);

    const signedByOne = await admitBothWays(setup, pod(single), policies);
    const { evaluation } = signedByOne.parallel;
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.results).toMatchObject([{ rule: "quorum", status: "fail" }]);
    expect(evaluation.message).toContain(
      "resource Pod/shop/web was blocked due to the following policies",
    );
    expect(evaluation.message).toContain("two-of-three:\n  quorum: ");
    expect(evaluation.message).toContain(`failed to verify image ${single}`);
    // The two keys that did not sign are named, by their attestor entry; the one that did is not.
    for (const entry of [1, 2]) {
      expect(evaluation.message).toContain(
        `spec.rules[0].verifyImages[0].attestors[0].entries[${entry}]: the signature of ${single}@`,
      );
    }
    expect(evaluation.message).not.toContain("entries[0]");
  });
});
