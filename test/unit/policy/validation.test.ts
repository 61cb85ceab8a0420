import { describe, expect, it } from "vitest";
import { indent, issuePaths, KEYED_ENTRY, policyWith } from "./helpers.ts";

const V = "spec.rules[0].verifyImages[0]";
const E = `${V}.attestors[0].entries[0]`;

describe("validation lists every bad field with its path", () => {
  it("reports all problems of a policy at once", () => {
    const entry = `imageReferences: ['ghcr.io/*', '{{ request.object.x }}']
type: Cosgin
mutateDigst: true
attestors:
- count: 4
  entries:
  - keys:
      publicKeys: KEY
      signatureAlgorithm: md5
  - keyless:
      subject: x
  - keys:
      publicKeys: KEY
    certificates:
      cert: C`;
    const found = issuePaths(
      policyWith(entry, { spec: "validationFailureAction: Block\nwebhookTimeoutSeconds: 60" }),
    );
    expect(found.sort()).toEqual(
      [
        `FIELD_UNKNOWN ${V}.mutateDigst`,
        `FIELD_INVALID ${V}.type`,
        `FIELD_INVALID ${V}.imageReferences[1]`,
        `FIELD_INVALID ${V}.attestors[0].count`,
        `FIELD_INVALID ${E}.keys.signatureAlgorithm`,
        `FIELD_REQUIRED ${V}.attestors[0].entries[1].keyless.rekor`,
        `FIELD_INVALID ${V}.attestors[0].entries[2]`,
        "FIELD_INVALID spec.validationFailureAction",
        "FIELD_INVALID spec.webhookTimeoutSeconds",
      ].sort(),
    );
  });

  it.each([
    ["missing imageReferences", "attestors: []", `FIELD_REQUIRED ${V}.imageReferences`],
    [
      "empty entries",
      "imageReferences: ['*']\nattestors:\n- entries: []",
      `FIELD_REQUIRED ${V}.attestors[0].entries`,
    ],
    [
      "an entry with no attestor",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - repository: x",
      `FIELD_INVALID ${E}`,
    ],
    [
      "certificates without cert",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - certificates: {}",
      `FIELD_REQUIRED ${E}.certificates`,
    ],
    [
      "keyless rekor without url",
      "imageReferences: ['*']\nattestors:\n- entries:\n  - keyless:\n      rekor: {ignoreTlog: true}",
      `FIELD_REQUIRED ${E}.keyless.rekor.url`,
    ],
    [
      "count 0",
      "imageReferences: ['*']\nattestors:\n- count: 0\n  entries:\n  - keys: {publicKeys: K}",
      `FIELD_INVALID ${V}.attestors[0].count`,
    ],
    [
      "attestation without type",
      "imageReferences: ['*']\nattestations:\n- conditions: []",
      `FIELD_REQUIRED ${V}.attestations[0].type`,
    ],
    [
      "unknown operator",
      "imageReferences: ['*']\nattestations:\n- type: t\n  conditions:\n  - all:\n    - key: a\n      operator: Matches\n      value: b",
      `FIELD_INVALID ${V}.attestations[0].conditions[0].all[0].operator`,
    ],
    [
      "condition without key",
      "imageReferences: ['*']\nattestations:\n- type: t\n  conditions:\n  - any:\n    - operator: Equals",
      `FIELD_REQUIRED ${V}.attestations[0].conditions[0].any[0].key`,
    ],
    [
      "Notary with keys",
      "type: Notary\nimageReferences: ['*']\nattestors:\n- entries:\n  - keys: {publicKeys: K}",
      `FIELD_INVALID ${E}.keys`,
    ],
    [
      "mutateDigest under Audit",
      `${KEYED_ENTRY}\nmutateDigest: true\nfailureAction: Audit`,
      `FIELD_INVALID ${V}.mutateDigest`,
    ],
    [
      "bad failureAction",
      `${KEYED_ENTRY}\nfailureAction: enforce`,
      `FIELD_INVALID ${V}.failureAction`,
    ],
    ["wrong type of a list", "imageReferences: 'ghcr.io/*'", `FIELD_INVALID ${V}.imageReferences`],
    ["boolean as string", `${KEYED_ENTRY}\nrequired: "yes"`, `FIELD_INVALID ${V}.required`],
    [
      "legacy key with attestations",
      "imageReferences: ['*']\nkey: K\nattestations:\n- type: t",
      `FIELD_INVALID ${V}.key`,
    ],
    [
      "an unparsable JMESPath",
      "imageReferences: ['*']\nattestations:\n- type: t\n  conditions:\n  - all:\n    - key: '{{ a.[ }}'\n      operator: Equals\n      value: b",
      `FIELD_INVALID ${V}.attestations[0].conditions[0].all[0].key`,
    ],
  ])("%s", (_name, entry, expected) => {
    expect(issuePaths(policyWith(entry))).toContain(expected);
  });

  it("checks rules, match blocks and selectors", () => {
    const text = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: a
    match:
      any:
      - resources:
          kinds: [Pod]
          operations: [CREATE, PATCH]
          selector:
            matchExpressions:
            - key: k
              operator: In
          namespaceSelector:
            matchExpressions:
            - key: k
              operator: Exists
              values: [x]
      - subjects:
        - kind: ServiceAccount
          name: sa
      all:
      - resources: {}
    verifyImages:
    - ${indent(KEYED_ENTRY, 6).trimStart()}
  - name: a
    match:
      resources:
        kinds: [Pod]
    verifyImages: []
  - match: {}
    verifyImages:
    - ${indent(KEYED_ENTRY, 6).trimStart()}
    validate: {}`;
    expect(issuePaths(text)).toEqual([
      "FIELD_INVALID spec.rules[0].match",
      "FIELD_INVALID spec.rules[0].match.any[0].resources.operations",
      "FIELD_INVALID spec.rules[0].match.any[0].resources.selector.matchExpressions[0].values",
      "FIELD_INVALID spec.rules[0].match.any[0].resources.namespaceSelector.matchExpressions[0].values",
      "FIELD_REQUIRED spec.rules[0].match.any[1].subjects[0].namespace",
      "FIELD_REQUIRED spec.rules[1].verifyImages",
      "FIELD_INVALID spec.rules[1].name",
      "FIELD_REQUIRED spec.rules[2].name",
      "FIELD_INVALID spec.rules[2]",
      "FIELD_REQUIRED spec.rules[2].match",
    ]);
  });

  it("refuses unknown top-level kinds of Kyverno and bad documents", () => {
    const vpol =
      "apiVersion: policies.kyverno.io/v1alpha1\nkind: ValidatingPolicy\nmetadata:\n  name: x\nspec: {}";
    expect(issuePaths(vpol)).toEqual(["UNSUPPORTED_FEATURE kind"]);
    const ivpol = vpol.replace("ValidatingPolicy", "ImageValidatingPolicy");
    expect(issuePaths(ivpol)).toEqual([
      "FIELD_REQUIRED spec.validationActions",
      "FIELD_REQUIRED spec.matchConstraints",
      "FIELD_REQUIRED spec.matchImageReferences",
      "FIELD_REQUIRED spec.validations",
    ]);
    expect(issuePaths("a: [1, 2")).toEqual(["YAML_INVALID "]);
    expect(issuePaths(policyWith(KEYED_ENTRY).replace("kyverno.io/v1", "kyverno.io/v9"))).toEqual([
      "FIELD_INVALID apiVersion",
    ]);
  });
});
