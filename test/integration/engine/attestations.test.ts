/**
 * Attestations through the engine over docker-registry 2.8 and the counting
 * proxy: a signature and three in-toto attestations (SLSA provenance,
 * CycloneDX SBOM, cosign vulnerability scan) whose predicates meet the
 * rule's conditions, a condition not met (its message in the denial), a
 * predicate type nobody attested, and the same image verified from its
 * Sigstore bundles, found as OCI referrers through the tag-schema fallback.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { systemClock } from "../../../src/deps.ts";
import { prepareTrustMaterial } from "../../../src/engine/checks/index.ts";
import { VerificationCache } from "../../../src/engine/index.ts";
import {
  COSIGN_VULN,
  CYCLONEDX_BOM,
  type SeededSignedImages,
  SLSA_PROVENANCE,
  seedSignedImages,
} from "../../support/seed-signed.ts";
import {
  admit,
  admitBothWays,
  type ProxiedRegistry,
  pod,
  proxiedRegistry,
  viaProxy,
} from "./fixtures.ts";
import { clusterPolicy, entry, keyEntry, loadPolicies } from "./policy-yaml.ts";

const registries = inject("registries");
const SPDX = "https://spdx.dev/Document";

/** The attestations of a rule, conditions written against the seeded predicates. */
const PASSING_ATTESTATIONS = `          attestations:
            - type: ${SLSA_PROVENANCE}
              conditions:
                - all:
                    - key: "{{ buildDefinition.buildType }}"
                      operator: Equals
                      value: https://actions.github.io/buildtypes/workflow/v1
                    - key: "{{ runDetails.builder.id }}"
                      operator: Equals
                      value: https://example.com/builder/v1
            - type: ${CYCLONEDX_BOM}
              conditions:
                - all:
                    - key: "{{ components[].name }}"
                      operator: AnyIn
                      value: [zlib]
                    - key: "{{ specVersion }}"
                      operator: Equals
                      value: "1.5"
            - type: ${COSIGN_VULN}
              conditions:
                - all:
                    - key: "{{ scanner.result.vulnerabilities | length(@) }}"
                      operator: Equals
                      value: 0`;

const policy = (name: string, verifyImages: string): string =>
  clusterPolicy(name, { attested: verifyImages });

describe("attestations and bundles (anonymous registry)", () => {
  let setup: ProxiedRegistry;
  let seeded: SeededSignedImages;
  let image: string;
  let refs: string;
  /** The key of the `.sig` and `.att` manifests, and the key of the bundles. */
  let cosignKey: string;
  let bundleKey: string;
  const cosign = (attestations: string): string =>
    entry(refs, [keyEntry(cosignKey)], { attestations });

  beforeAll(async () => {
    setup = await proxiedRegistry(registries.anonymous);
    seeded = await seedSignedImages(setup.registry, {
      repository: "engine-attestations/app",
      signers: 1,
      attestations: [SLSA_PROVENANCE, CYCLONEDX_BOM, COSIGN_VULN],
      bundles: true,
    });
    image = viaProxy(setup, seeded.images[0]?.reference ?? "");
    refs = `${setup.proxy.host}/engine-attestations/*`;
    const key = (name: string) => seeded.keys.find((k) => k.name === name)?.publicKeyPem ?? "";
    [cosignKey, bundleKey] = [key("signer-1"), key("bundle")];
  });
  afterAll(() => setup?.close());

  it("admits an image whose signature and three attestations verify and meet their conditions", async () => {
    const policies = loadPolicies(policy("provenance", cosign(PASSING_ATTESTATIONS)));
    const { parallel } = await admitBothWays(setup, pod(image), policies);
    expect(parallel.evaluation.allowed).toBe(true);
    expect(parallel.evaluation.results).toMatchObject([
      { status: "pass", digest: seeded.images[0]?.digest },
    ]);
    expect(parallel.stats.requests).toBeGreaterThan(0);
  });

  it("denies an image whose attestation does not meet a condition, with the condition's message", async () => {
    const failing = `${PASSING_ATTESTATIONS}
                    - key: "{{ scanner.version }}"
                      operator: GreaterThanOrEquals
                      value: 0.51.0
                      message: the image must be scanned by trivy 0.51.0 or later`;
    const policies = loadPolicies(policy("scanned", cosign(failing)));
    const { parallel } = await admitBothWays(setup, pod(image), policies);
    const { evaluation } = parallel;
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.results).toMatchObject([{ status: "fail" }]);
    expect(evaluation.message).toContain("scanned:\n  attested: ");
    expect(evaluation.message).toContain(
      `attestation checks failed for ${image} and predicate ${COSIGN_VULN}: the image must be scanned by trivy 0.51.0 or later`,
    );
  });

  it("evaluates conditions again on a cache hit: the verified payload is kept, not the verdict", async () => {
    const cache = new VerificationCache({ clock: systemClock });
    const passing = loadPolicies(policy("provenance", cosign(PASSING_ATTESTATIONS)));
    const first = await admit(setup, pod(image), passing, { cache });
    expect(first.evaluation.allowed).toBe(true);

    const stricter = `${PASSING_ATTESTATIONS}
                    - key: "{{ scanner.uri }}"
                      operator: Equals
                      value: pkg:github/anchore/grype*
                      message: only grype scans count`;
    const second = await admit(setup, pod(image), loadPolicies(policy("grype", cosign(stricter))), {
      cache,
    });
    expect(second.evaluation.timing.cachedChecks).toBeGreaterThan(0);
    expect(second.evaluation.allowed).toBe(false);
    expect(second.evaluation.message).toContain(
      `attestation checks failed for ${image} and predicate ${COSIGN_VULN}: only grype scans count`,
    );
  });

  it("denies an image without an attestation of a required type", async () => {
    const missing = `${PASSING_ATTESTATIONS}
            - type: ${SPDX}`;
    const policies = loadPolicies(policy("sbom", cosign(missing)));
    const { parallel } = await admitBothWays(setup, pod(image), policies);
    const { evaluation } = parallel;
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.results).toMatchObject([{ status: "fail" }]);
    expect(evaluation.message).toContain(
      `failed to verify image ${image}: spec.rules[0].verifyImages[0].attestors[0].entries[0]: no attestations of type ${SPDX} found for ${image}@`,
    );
  });

  it("verifies the signature and attestations from Sigstore bundle referrers (SigstoreBundle)", async () => {
    // The bundles were witnessed by the local log: the transparency log is required.
    const bundles = entry(refs, [keyEntry(bundleKey, true)], {
      fields: ["type: SigstoreBundle"],
      attestations: PASSING_ATTESTATIONS,
    });
    const policies = loadPolicies(
      [policy("bundles", bundles), policy("cosign", cosign(PASSING_ATTESTATIONS))].join("---\n"),
    );
    const trust = prepareTrustMaterial(JSON.parse(seeded.trustedRootJson ?? "{}"));
    const { parallel } = await admitBothWays(setup, pod(image), policies, { trust });
    expect(parallel.evaluation.allowed).toBe(true);
    expect(parallel.evaluation.results.map((r) => `${r.policy} ${r.status}`)).toEqual([
      "bundles pass",
      "cosign pass",
    ]);
    // docker-registry 2.8 has no referrers API: the tag schema's index is read instead.
    const digest = seeded.images[0]?.digest ?? "";
    expect(setup.proxy.log.map((r) => r.path)).toContain(
      `/v2/engine-attestations/app-1/manifests/${digest.replace(":", "-")}`,
    );
  });
});
