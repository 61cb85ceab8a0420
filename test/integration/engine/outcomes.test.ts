/**
 * What a verifyImages rule decides besides "signed": `skipImageReferences`
 * (admitted, and never looked up), Audit (admitted with a warning) against
 * Enforce (denied in Kyverno's words, naming resource, policy, rule and
 * image), and `required: false`. Over docker-registry 2.8 behind the
 * counting proxy: each distinct request once, the sequential way agreeing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  admitBothWays,
  escapeRegExp,
  newSigner,
  type ProxiedRegistry,
  pod,
  proxiedRegistry,
  pushUnsignedImages,
  type Signer,
  signImage,
} from "./fixtures.ts";
import { clusterPolicy, entry, keyEntry, loadPolicies } from "./policy-yaml.ts";

const registries = inject("registries");

describe("verifyImages outcomes (anonymous registry)", () => {
  let setup: ProxiedRegistry;
  let release: Signer;
  let stranger: Signer;
  let refs: string;
  let app: string;
  let unsigned: string;

  beforeAll(async () => {
    setup = await proxiedRegistry(registries.anonymous);
    [release, stranger] = [newSigner(), newSigner()];
    const prefix = "engine-outcomes";
    const images = await pushUnsignedImages(setup, prefix, ["app", "unsigned"]);
    await signImage(setup, images.app, [release]);
    [app, unsigned] = [images.app.proxied, images.unsigned.proxied];
    refs = `${setup.proxy.host}/${prefix}/*`;
  });
  afterAll(() => setup?.close());

  it("admits an image under skipImageReferences without asking the registry about it", async () => {
    const skipped = unsigned.replace(/:v1$/, "");
    const policies = loadPolicies(
      clusterPolicy("skip-some", {
        signed: entry(refs, [keyEntry(release.publicPem)], {
          fields: [`skipImageReferences: ["${skipped}*"]`],
        }),
      }),
    );
    const { parallel } = await admitBothWays(setup, pod(app, unsigned), policies);
    const { evaluation } = parallel;
    expect(evaluation.allowed).toBe(true);
    expect(evaluation.results).toEqual([
      expect.objectContaining({ image: unsigned, status: "skip" }),
      expect.objectContaining({ image: app, status: "pass" }),
    ]);
    expect(evaluation.warnings).toEqual([
      `policy skip-some.signed: skipping image reference ${unsigned}`,
    ]);
    const repository = new URL(`http://${skipped}`).pathname;
    expect(setup.proxy.log.filter((r) => r.path.includes(repository))).toEqual([]);
  });

  it("admits an unsigned image with a warning under Audit, and denies it under Enforce naming resource, policy, rule and image", async () => {
    const rules = (name: string, action: "Audit" | "Enforce") =>
      clusterPolicy(
        name,
        { signed: entry(refs, [keyEntry(release.publicPem)], { fields: ["verifyDigest: false"] }) },
        { action },
      );
    const audit = await admitBothWays(
      setup,
      pod(unsigned),
      loadPolicies(rules("audited", "Audit")),
    );
    expect(audit.parallel.evaluation.allowed).toBe(true);
    // No digest pin; Kyverno's verify-images annotation records the failure.
    expect(audit.parallel.evaluation.patch).toMatchObject([
      {
        op: "add",
        path: "/metadata/annotations",
        value: { "kyverno.io/verify-images": JSON.stringify({ [unsigned]: "fail" }) },
      },
    ]);
    expect(audit.parallel.evaluation.results).toMatchObject([{ status: "fail" }]);
    expect(audit.parallel.evaluation.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^policy audited\\.signed: failed to verify image ${escapeRegExp(unsigned)}: .*no signatures`,
        ),
      ),
    ]);

    const enforce = await admitBothWays(
      setup,
      pod(unsigned),
      loadPolicies(rules("enforced", "Enforce")),
    );
    const { evaluation } = enforce.parallel;
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.message).toMatch(
      new RegExp(
        `^\\n\\nresource Pod/shop/web was blocked due to the following policies \\n\\nenforced:\\n  signed: 'failed to verify image ${escapeRegExp(unsigned)}: .*: no signatures found for ${escapeRegExp(unsigned)}@sha256:[0-9a-f]{64} \\(looked for: cosign\\)'\\n$`,
      ),
    );
  });

  it("required: false does not admit an unsigned image (Kyverno: `required` only governs the validate-phase annotation check)", async () => {
    // Kyverno reads `required` only where its validating webhook checks that the mutating one
    // recorded the image as verified (the verify-images annotation); the signature check itself
    // fails an unsigned image whatever `required` says, and Enforce denies it.
    const policies = loadPolicies(
      clusterPolicy("optional", {
        signed: entry(refs, [keyEntry(release.publicPem)], { fields: ["required: false"] }),
      }),
    );
    const { parallel } = await admitBothWays(setup, pod(unsigned), policies);
    expect(parallel.evaluation.results).toMatchObject([{ status: "fail" }]);
    expect(parallel.evaluation.allowed).toBe(false);
  });

  it("required: false still refuses an image signed by another key", async () => {
    const policies = loadPolicies(
      clusterPolicy("optional", {
        signed: entry(refs, [keyEntry(stranger.publicPem)], { fields: ["required: false"] }),
      }),
    );
    const { parallel } = await admitBothWays(setup, pod(app), policies);
    expect(parallel.evaluation.results).toMatchObject([{ status: "fail" }]);
    expect(parallel.evaluation.allowed).toBe(false);
  });
});
