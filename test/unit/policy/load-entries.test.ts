import { describe, expect, it } from "vitest";
import { KEYED_ENTRY, loadOne, policyWith } from "./helpers.ts";

describe("loading verifyImages entries, attestors and rule parts", () => {
  it("reads keyless, certificates, nested attestors, rekor and ctlog", () => {
    const entry = `imageReferences: ['*']
attestors:
- count: 1
  entries:
  - keyless:
      subject: "https://github.com/org/*"
      issuerRegExp: "https://token\\\\.actions.+"
      roots: ROOTS
      additionalExtensions:
        githubWorkflowTrigger: push
      rekor:
        url: https://rekor.example
        pubkey: RK
        ignoreTlog: true
      ctlog:
        ignoreSCT: true
        pubkey: CT
  - certificates:
      cert: CERT
      certChain: CHAIN
  - attestor:
      entries:
      - keys:
          publicKeys: KEY
          signatureAlgorithm: sha512
    annotations:
      env: prod
    repository: ghcr.io/org/sigs`;
    const set = loadOne(policyWith(entry)).rules[0]?.verifyImages[0]?.attestors[0];
    expect(set?.count).toBe(1);
    expect(set?.entries.map((e) => e.kind)).toEqual(["keyless", "certificates", "nested"]);
    expect(set?.entries[0]).toMatchObject({
      subject: "https://github.com/org/*",
      issuer: undefined,
      issuerRegExp: "https://token\\.actions.+",
      roots: "ROOTS",
      additionalExtensions: { githubWorkflowTrigger: "push" },
      rekor: { url: "https://rekor.example", pubkey: "RK", ignoreTlog: true },
      ctlog: { ignoreSCT: true, pubkey: "CT" },
    });
    expect(set?.entries[1]).toMatchObject({ cert: "CERT", certChain: "CHAIN" });
    const nested = set?.entries[2];
    expect(nested).toMatchObject({ annotations: { env: "prod" }, repository: "ghcr.io/org/sigs" });
    expect(nested?.kind === "nested" && nested.attestorSet.entries[0]).toMatchObject({
      kind: "keys",
      publicKeys: "KEY",
      signatureAlgorithm: "sha512",
    });
  });

  it("reads attestations with type or predicateType, names, conditions and validate.deny", () => {
    const entry = `imageReferences: ['*']
type: Notary
attestations:
- type: sbom/cyclone-dx
  name: sbom
  attestors:
  - entries:
    - certificates:
        cert: C
  conditions:
  - all:
    - key: "{{ bomFormat }}"
      operator: equals
      value: CycloneDX
      message: not cyclonedx
- predicateType: https://slsa.dev/provenance/v0.2
validate:
  message: scan after sbom
  deny:
    conditions:
      any:
      - key: "{{ sbom.bomFormat }}"
        operator: NotEquals
        value: CycloneDX`;
    const v = loadOne(policyWith(entry)).rules[0]?.verifyImages[0];
    expect(v?.attestations.map((a) => [a.type, a.name, a.attestors.length])).toEqual([
      ["sbom/cyclone-dx", "sbom", 1],
      ["https://slsa.dev/provenance/v0.2", undefined, 0],
    ]);
    expect(v?.attestations[0]?.conditions).toEqual([
      {
        any: undefined,
        all: [
          {
            path: "spec.rules[0].verifyImages[0].attestations[0].conditions[0].all[0]",
            key: "{{ bomFormat }}",
            operator: "Equals",
            value: "CycloneDX",
            message: "not cyclonedx",
          },
        ],
      },
    ]);
    expect(v?.validate?.message).toBe("scan after sbom");
    expect(v?.validate?.deny.any?.[0]?.operator).toBe("NotEquals");
  });

  it("converts the deprecated image/key fields like Kyverno's Convert()", () => {
    const v = loadOne(policyWith(`image: 'ghcr.io/*'\nkey: KEY`)).rules[0]?.verifyImages[0];
    expect(v?.imageReferences).toEqual(["ghcr.io/*"]);
    expect(v?.attestors[0]?.entries[0]).toMatchObject({ kind: "keys", publicKeys: "KEY" });
  });

  it("reads context, preconditions and imageExtractors", () => {
    const rule = `context:
- name: keys
  configMap:
    name: keys
- name: team
  variable:
    jmesPath: request.object.metadata.labels.team
    default: none
preconditions:
  all:
  - key: "{{ request.operation }}"
    operator: NotEquals
    value: DELETE
imageExtractors:
  Task:
  - name: steps
    path: /spec/steps/*
    value: image
    key: name`;
    const r = loadOne(policyWith(KEYED_ENTRY, { rule })).rules[0];
    expect(r?.context).toEqual([
      {
        type: "configMap",
        name: "keys",
        path: "spec.rules[0].context[0]",
        configMap: { name: "keys", namespace: "default" },
      },
      {
        type: "variable",
        name: "team",
        path: "spec.rules[0].context[1]",
        value: undefined,
        jmesPath: "request.object.metadata.labels.team",
        default: "none",
      },
    ]);
    expect(r?.preconditions?.all?.[0]).toMatchObject({ operator: "NotEquals", value: "DELETE" });
    expect(r?.imageExtractors).toEqual({
      Task: [
        { path: "/spec/steps/*", value: "image", name: "steps", key: "name", jmesPath: undefined },
      ],
    });
  });
});
