/**
 * Policy defaults and refusals where imgverify and Kyverno part or agree,
 * held as imgverify reads policies today (docs/KYVERNO-PARITY.md).
 */
import { describe, expect, it } from "vitest";
import { prepareTrustMaterial } from "../../../../src/engine/checks/index.ts";
import { checkSpec } from "../../../../src/engine/index.ts";
import type { ImageVerification } from "../../../../src/policy/index.ts";
import { EMPTY_ROOT } from "../../engine/core/world.ts";
import { indent, KEYED_ENTRY, load, PEM, policyWith } from "../helpers.ts";

type LeafAttestor = Parameters<typeof checkSpec>[0];

function onlyEntry(text: string): ImageVerification {
  const result = load(text);
  expect(result.issues).toEqual([]);
  const entry = result.policies[0]?.rules[0]?.verifyImages[0];
  if (entry === undefined) throw new Error("no verifyImages entry");
  return entry;
}

function firstAttestor(entry: ImageVerification): LeafAttestor {
  const attestor = entry.attestors[0]?.entries[0];
  if (attestor === undefined || attestor.kind === "nested") throw new Error("no leaf attestor");
  return attestor;
}

describe("parity: policy defaults", () => {
  // Kyverno: the CRD defaults mutateDigest to true and ImageVerification.Validate refuses it under Audit,
  // so an Audit policy that leaves mutateDigest out is refused by the API server.
  it("loads an Audit entry that leaves mutateDigest out, with mutateDigest false", () => {
    const entry = onlyEntry(policyWith(KEYED_ENTRY, { spec: "validationFailureAction: Audit" }));
    expect(entry).toMatchObject({
      failureAction: "Audit",
      mutateDigest: false,
      verifyDigest: true,
    });
  });

  // Kyverno: Spec.ValidateDeprecatedFields forbids failurePolicy beside webhookConfiguration.failurePolicy.
  it("accepts failurePolicy beside webhookConfiguration.failurePolicy, the latter winning", () => {
    const result = load(
      policyWith(KEYED_ENTRY, {
        spec: "failurePolicy: Fail\nwebhookConfiguration:\n  failurePolicy: Ignore",
      }),
    );
    expect(result.issues).toEqual([]);
    expect(result.policies[0]?.failurePolicy).toBe("Ignore");
  });

  // Kyverno: imageverifier.go buildCosignVerifier sets RekorURL https://rekor.sigstore.dev and
  // IgnoreTlog/IgnoreSCT false when an attestor has no rekor or ctlog block.
  it("requires a log entry and an SCT when an attestor says nothing, as Kyverno does", () => {
    const entry = onlyEntry(policyWith(KEYED_ENTRY));
    const { policy } = checkSpec(firstAttestor(entry), entry, prepareTrustMaterial(EMPTY_ROOT));
    expect(policy).toMatchObject({ requireTlog: true, requireSct: true });
    expect(policy.rekorKey).toBeUndefined();
    expect(policy.tsaCertChain).toBeUndefined();
  });

  it("defaults rekor.url to the public Rekor when a rekor block leaves it out", () => {
    const keyed = [
      "imageReferences: ['ghcr.io/org/*']",
      "attestors:",
      "- entries:",
      "  - keys:",
      "      publicKeys: |-",
      indent(PEM, 8),
      "      rekor: {ignoreTlog: false}",
    ].join("\n");
    const attestor = firstAttestor(onlyEntry(policyWith(keyed)));
    expect(attestor.kind === "keys" && attestor.rekor?.url).toBe("https://rekor.sigstore.dev");
  });

  // Kyverno: KeylessAttestor.Validate, "Either Rekor URL or roots are required" / "An URL is required".
  it.each([
    ["keyless: {subject: s, issuer: i}", "rekor"],
    ["keyless: {subject: s, issuer: i, rekor: {ignoreTlog: true}}", "rekor.url"],
  ])("refuses %s as Kyverno does", (keyless, field) => {
    const entry = `imageReferences: ['*']\nattestors:\n- entries:\n  - ${keyless}`;
    const issues = load(policyWith(entry)).issues;
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      `FIELD_REQUIRED spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.${field}`,
    ]);
  });

  it("reads required and useCache, both true by default", () => {
    const entry = onlyEntry(policyWith(KEYED_ENTRY));
    expect(entry).toMatchObject({ required: true, useCache: true });
    const off = onlyEntry(policyWith(`${KEYED_ENTRY}\nrequired: false\nuseCache: false`));
    expect(off).toMatchObject({ required: false, useCache: false });
  });
});
