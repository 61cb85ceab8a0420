import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import {
  loadPolicies,
  loadPolicyDocuments,
  PolicyLoadError,
  parseYamlFiles,
} from "../../../src/policy/index.ts";
import { indent, KEYED_ENTRY, load, loadOne, PEM, policyWith } from "./helpers.ts";

describe("loading ClusterPolicy / Policy", () => {
  it("loads a keyed rule with Kyverno's defaults", () => {
    const policy = loadOne(policyWith(KEYED_ENTRY));
    expect(policy).toMatchObject({
      kind: "ClusterPolicy",
      apiVersion: "kyverno.io/v1",
      name: "p",
      namespace: undefined,
      validationFailureAction: "Audit",
      failurePolicy: "Fail",
      webhookTimeoutSeconds: undefined,
      background: true,
      admission: true,
      applyRules: "All",
      source: { file: "p0.yaml", document: 0 },
    });
    const [rule] = policy.rules;
    const [v] = rule?.verifyImages ?? [];
    expect(v).toMatchObject({
      path: "spec.rules[0].verifyImages[0]",
      type: "Cosign",
      imageReferences: ["ghcr.io/org/*"],
      skipImageReferences: [],
      verifyDigest: true,
      required: true,
      useCache: true,
      cosignOCI11: false,
      // Kyverno refuses digest mutation under Audit, so its default true applies to Enforce only.
      mutateDigest: false,
      failureAction: "Audit",
      repository: undefined,
    });
    expect(v?.attestors[0]?.entries[0]).toEqual({
      kind: "keys",
      path: "spec.rules[0].verifyImages[0].attestors[0].entries[0]",
      publicKeys: PEM,
      signatureAlgorithm: "sha256",
      rekor: undefined,
      ctlog: undefined,
      annotations: {},
      repository: undefined,
    });
  });

  it("defaults mutateDigest to true under Enforce and reads every flag", () => {
    const entry = `${KEYED_ENTRY}\nfailureAction: Enforce\nverifyDigest: false\nrequired: false\nuseCache: false\ncosignOCI11: true\nrepository: ghcr.io/org/sigs\nskipImageReferences: ['ghcr.io/org/skip*']`;
    const v = loadOne(policyWith(entry)).rules[0]?.verifyImages[0];
    expect(v).toMatchObject({
      mutateDigest: true,
      verifyDigest: false,
      required: false,
      useCache: false,
      cosignOCI11: true,
      repository: "ghcr.io/org/sigs",
      skipImageReferences: ["ghcr.io/org/skip*"],
      failureAction: "Enforce",
    });
  });

  it.each([
    ["Enforce", "Enforce"],
    ["enforce", "Enforce"],
    ["Audit", "Audit"],
    ["audit", "Audit"],
  ])("validationFailureAction %s is %s", (written, action) => {
    const policy = loadOne(
      policyWith(KEYED_ENTRY, { spec: `validationFailureAction: ${written}` }),
    );
    expect(policy.validationFailureAction).toBe(action);
    expect(policy.rules[0]?.verifyImages[0]?.failureAction).toBe(action);
  });

  it("resolves the rule action as Kyverno: Enforce wins, then the first explicit entry, then the policy", () => {
    const two = (a: string, b: string) =>
      `${policyWith(`${KEYED_ENTRY}\n${a}`, { spec: "validationFailureAction: Enforce" })}\n    - ${indent(`${KEYED_ENTRY}\n${b}`, 6).trimStart()}`;
    expect(
      loadOne(two("failureAction: Audit\nmutateDigest: false", "")).rules[0]?.failureAction,
    ).toBe("Audit");
    expect(
      loadOne(two("failureAction: Audit\nmutateDigest: false", "failureAction: Enforce")).rules[0]
        ?.failureAction,
    ).toBe("Enforce");
    expect(loadOne(two("", "")).rules[0]?.failureAction).toBe("Enforce");
  });

  it("reads failurePolicy, timeouts and webhookConfiguration (which wins)", () => {
    const plain = loadOne(
      policyWith(KEYED_ENTRY, {
        spec: "failurePolicy: Ignore\nwebhookTimeoutSeconds: 15\nbackground: false\nadmission: true\napplyRules: One\nemitWarning: true",
      }),
    );
    expect(plain).toMatchObject({
      failurePolicy: "Ignore",
      webhookTimeoutSeconds: 15,
      background: false,
      applyRules: "One",
      emitWarning: true,
    });
    const hook = loadOne(
      policyWith(KEYED_ENTRY, {
        spec: "failurePolicy: Ignore\nwebhookTimeoutSeconds: 15\nwebhookConfiguration:\n  failurePolicy: Fail\n  timeoutSeconds: 30",
      }),
    );
    expect(hook).toMatchObject({ failurePolicy: "Fail", webhookTimeoutSeconds: 30 });
  });

  it("loads namespaced Policy and kyverno.io/v2beta1", () => {
    const text = policyWith(KEYED_ENTRY)
      .replace("kind: ClusterPolicy", "kind: Policy")
      .replace("apiVersion: kyverno.io/v1", "apiVersion: kyverno.io/v2beta1");
    expect(loadOne(text)).toMatchObject({
      kind: "Policy",
      apiVersion: "kyverno.io/v2beta1",
      namespace: "default",
    });
    const team = loadOne(text.replace("  name: p", "  name: p\n  namespace: team"));
    expect(team.namespace).toBe("team");
  });

  it("reads multi-document files and several files, collecting ConfigMaps and skipping other kinds", () => {
    const cm =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\n  namespace: sec\ndata:\n  cosign: x";
    const ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sec";
    const second = policyWith(KEYED_ENTRY).replace("name: p\n", "name: q\n");
    const result = load(`${ns}\n---\n${cm}\n---\n${policyWith(KEYED_ENTRY)}\n---\n`, second);
    expect(result.issues).toEqual([]);
    expect(result.policies.map((p) => `${p.source.file}#${p.source.document} ${p.name}`)).toEqual([
      "p0.yaml#2 p",
      "p1.yaml#0 q",
    ]);
    expect(result.configMaps.list()).toEqual([
      {
        name: "keys",
        namespace: "sec",
        data: { cosign: "x" },
        metadata: { name: "keys", namespace: "sec" },
      },
    ]);
    expect(result.skipped).toEqual([
      {
        file: "p0.yaml",
        document: 0,
        kind: "Namespace",
        name: "sec",
        reason: "not a Kyverno ClusterPolicy/Policy, a ConfigMap or a Secret",
      },
    ]);
  });

  it("refuses the same ConfigMap twice and ConfigMap data that is not text", () => {
    const cm = (name: string, data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  ${data}`;
    const result = load(
      `${cm("keys", "a: one")}\n---\n${cm("keys", "a: two")}`,
      cm("other", "k: 5"),
    );
    expect(result.issues.map((i) => `${i.file}#${i.document} ${i.code} ${i.path}`)).toEqual([
      "p0.yaml#1 FIELD_INVALID metadata.name",
      "p1.yaml#0 FIELD_INVALID data.k",
    ]);
  });

  it("loads documents already read from YAML, through JSON, as it loads their files", () => {
    const cm =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\n  namespace: sec\ndata:\n  cosign: x";
    const files = [{ path: "p.yaml", text: `${cm}\n---\n${policyWith(KEYED_ENTRY)}` }];
    const documents = JSON.parse(JSON.stringify(parseYamlFiles(files).documents));
    const fromDocuments = loadPolicyDocuments(documents);
    const fromFiles = loadPolicies(files);
    expect(fromDocuments.policies).toEqual(fromFiles.policies);
    expect(fromDocuments.configMaps.list()).toEqual(fromFiles.configMaps.list());
    const refused = [{ ...documents[1], value: { ...documents[1].value, spec: { rules: 5 } } }];
    expect(() => loadPolicyDocuments(refused)).toThrow(PolicyLoadError);
  });

  it("expands kind: List documents", () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${indent(policyWith(KEYED_ENTRY), 2).trimStart()}`;
    expect(load(list).policies.map((p) => p.name)).toEqual(["p"]);
  });

  it("keeps verifyImages rules and lists other rule types as ignored", () => {
    const text = `${policyWith(KEYED_ENTRY)}\n  - name: other\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      pattern:\n        metadata:\n          labels:\n            a: b`;
    const policy = loadOne(text);
    expect(policy.rules.map((r) => r.name)).toContain("r");
    expect(policy.ignoredRules).toEqual([
      { name: "other", path: "spec.rules[1]", type: "validate" },
    ]);
  });

  it("skips a policy without verifyImages rules, saying why", () => {
    const text =
      "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: m\nspec:\n  rules:\n  - name: x\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    mutate:\n      patchStrategicMerge: {}";
    const result = load(text);
    expect(result.policies).toEqual([]);
    expect(result.skipped[0]?.reason).toMatch(/no verifyImages rules \(1 other rule/);
  });

  it("reads YAML as Kubernetes does (YAML 1.1 booleans, no timestamps)", () => {
    const entry = `${KEYED_ENTRY}\nverifyDigest: no\nrequired: off`;
    const v = loadOne(policyWith(entry, { metadata: "annotations:\n  created: 2024-01-01" }))
      .rules[0]?.verifyImages[0];
    expect(v).toMatchObject({ verifyDigest: false, required: false });
    expect(
      loadOne(policyWith(entry, { metadata: "annotations:\n  created: 2024-01-01" })).annotations
        .created,
    ).toBe("2024-01-01");
  });

  it("loadPolicies throws PolicyLoadError with every issue", () => {
    const bad = policyWith("imageReferences: []\nattestors:\n- entries: []");
    let caught: unknown;
    try {
      loadPolicies([{ path: "bad.yaml", text: bad }]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PolicyLoadError);
    expect(isImgverifyError(caught, "POLICY_INVALID")).toBe(true);
    const err = caught as PolicyLoadError;
    expect(err.issues.map((i) => i.path)).toEqual([
      "spec.rules[0].verifyImages[0].imageReferences",
      "spec.rules[0].verifyImages[0].attestors[0].entries",
    ]);
    expect(err.issues[0]).toMatchObject({ file: "bad.yaml", document: 0, policy: "p" });
    expect(err.message).toContain("bad.yaml#0 p spec.rules[0].verifyImages[0].imageReferences");
  });
});
