import { describe, expect, it } from "vitest";
import { issuePaths, KEYED_ENTRY, load, policyWith } from "./helpers.ts";

const V = "spec.rules[0].verifyImages[0]";
const E = `${V}.attestors[0].entries[0]`;

describe("features imgverify refuses, with the field that asks for them", () => {
  it.each([
    [
      "KMS keys",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      kms: gcpkms://projects/p/keys/k",
      `${E}.keys.kms`,
    ],
    [
      "a k8s:// reference that names no Secret",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      publicKeys: k8s://ns",
      `${E}.keys.publicKeys`,
    ],
    [
      "awskms:// in publicKeys",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      publicKeys: awskms:///arn",
      `${E}.keys.publicKeys`,
    ],
    [
      "hashivault://",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      publicKeys: hashivault://k",
      `${E}.keys.publicKeys`,
    ],
    [
      "azurekms://",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      publicKeys: azurekms://v/k",
      `${E}.keys.publicKeys`,
    ],
    [
      "credential providers",
      `${KEYED_ENTRY}\nimageRegistryCredentials:\n  providers: [default, amazon]`,
      `${V}.imageRegistryCredentials.providers[1]`,
    ],
    [
      "insecure registries in policies",
      `${KEYED_ENTRY}\nimageRegistryCredentials:\n  allowInsecureRegistry: true`,
      `${V}.imageRegistryCredentials.allowInsecureRegistry`,
    ],
    [
      "Notary transparency logs",
      "type: Notary\nimageReferences: ['*']\nattestors:\n- entries:\n  - certificates:\n      cert: C\n      ctlog: {ignoreSCT: true}",
      `${E}.certificates.ctlog.ignoreSCT`,
    ],
    [
      "unknown JMESPath functions",
      "imageReferences: ['*']\nattestations:\n- type: t\n  conditions:\n  - all:\n    - key: '{{ x509_decode(cert) }}'\n      operator: Equals\n      value: b",
      `${V}.attestations[0].conditions[0].all[0].key`,
    ],
  ])("%s", (_name, entry, path) => {
    const issues = load(policyWith(entry)).issues;
    expect(issues.filter((i) => i.code === "UNSUPPORTED_FEATURE").map((i) => i.path)).toEqual([
      path,
    ]);
    expect(issues.every((i) => i.message.length > 10)).toBe(true);
  });

  it.each([
    [
      "apiCall",
      "context:\n- name: x\n  apiCall:\n    urlPath: /api/v1/namespaces",
      "spec.rules[0].context[0].apiCall",
    ],
    [
      "imageRegistry",
      "context:\n- name: x\n  imageRegistry:\n    reference: ghcr.io/x",
      "spec.rules[0].context[0].imageRegistry",
    ],
    [
      "globalReference",
      "context:\n- name: x\n  globalReference:\n    name: g",
      "spec.rules[0].context[0].globalReference",
    ],
    [
      "celPreconditions",
      "celPreconditions:\n- name: c\n  expression: 'true'",
      "spec.rules[0].celPreconditions",
    ],
  ])("rule %s", (_name, rule, path) => {
    expect(issuePaths(policyWith(KEYED_ENTRY, { rule }))).toEqual([`UNSUPPORTED_FEATURE ${path}`]);
  });

  it.each([
    [
      "validationFailureActionOverrides",
      "validationFailureActionOverrides:\n- action: Audit\n  namespaces: [dev]",
      "spec.validationFailureActionOverrides",
    ],
    [
      "webhook matchConditions",
      "webhookConfiguration:\n  matchConditions:\n  - name: m\n    expression: 'true'",
      "spec.webhookConfiguration.matchConditions",
    ],
  ])("spec %s", (_name, spec, path) => {
    expect(issuePaths(policyWith(KEYED_ENTRY, { spec }))).toEqual([`UNSUPPORTED_FEATURE ${path}`]);
  });

  it("accepts an ordinary PEM key", () => {
    expect(issuePaths(policyWith(KEYED_ENTRY))).toEqual([]);
  });

  it("takes the default credential provider (its Docker config) and names what each cloud one needs", () => {
    const providers = (list: string) =>
      load(policyWith(`${KEYED_ENTRY}\nimageRegistryCredentials:\n  providers: ${list}`)).issues;
    expect(providers("[default]")).toEqual([]);
    const needs = {
      amazon: "ECR's GetAuthorizationToken",
      azure: "ACR refresh token",
      google: "Workload Identity",
      github: "GitHub token",
    };
    for (const [provider, what] of Object.entries(needs)) {
      const [issue, ...rest] = providers(`[${provider}]`);
      expect(rest).toEqual([]);
      expect(issue).toMatchObject({
        code: "UNSUPPORTED_FEATURE",
        path: `${V}.imageRegistryCredentials.providers[0]`,
        message: expect.stringContaining(what),
      });
    }
    expect(providers("[aws]")).toMatchObject([
      { code: "FIELD_INVALID", message: "must be one of default, amazon, azure, google, github" },
    ]);
  });

  it("takes pull secrets by name or namespace/name, bounded in number", () => {
    const secrets = (list: string) =>
      issuePaths(policyWith(`${KEYED_ENTRY}\nimageRegistryCredentials:\n  secrets: ${list}`));
    expect(secrets("[regcred, team/regcred, /regcred, '{{ request.namespace }}/regcred']")).toEqual(
      [],
    );
    const at = `${V}.imageRegistryCredentials.secrets`;
    expect(secrets("[a/b/c, Regcred, '']")).toEqual([
      `FIELD_INVALID ${at}[0]`,
      `FIELD_INVALID ${at}[1]`,
      `FIELD_INVALID ${at}[2]`,
    ]);
    const many = `[${Array.from({ length: 17 }, (_, i) => `s${i}`).join(", ")}]`;
    expect(secrets(many)).toEqual([`FIELD_INVALID ${at}`]);
  });

  it("names the KMS scheme it cannot call", () => {
    const kms = (ref: string) =>
      load(
        policyWith(`imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      kms: ${ref}`),
      ).issues[0]?.message;
    expect(kms("gcpkms://projects/p/keys/k")).toContain(
      "gcpkms:// key references need a cloud KMS",
    );
    expect(kms("hashivault://k")).toContain("HashiCorp Vault");
  });
});
