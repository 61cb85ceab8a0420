import { describe, expect, it } from "vitest";
import { checkPolicies, formatCheckResult } from "../../../src/policy/index.ts";
import { KEYED_ENTRY, policyWith } from "./helpers.ts";

describe("checkPolicies", () => {
  const good = policyWith(`${KEYED_ENTRY}\nattestations:\n- type: https://slsa.dev/provenance/v1`, {
    spec: "validationFailureAction: Enforce\nwebhookTimeoutSeconds: 20",
  });
  const bad = policyWith(
    "imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      kms: awskms:///k",
  ).replace("name: p\n", "name: bad\n");
  const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n  k: v";

  it("summarises loaded and refused policies with every issue", () => {
    const result = checkPolicies([
      { path: "a.yaml", text: `${good}\n---\n${cm}` },
      { path: "b.yaml", text: bad },
      { path: "c.yaml", text: "key: [unclosed" },
    ]);
    expect(result.configMaps).toEqual(["default/keys"]);
    expect(result.policies.map((p) => [p.file, p.name, p.status])).toEqual([
      ["a.yaml", "p", "loaded"],
      ["b.yaml", "bad", "refused"],
    ]);
    expect(result.policies[0]).toMatchObject({
      validationFailureAction: "Enforce",
      failurePolicy: "Fail",
      webhookTimeoutSeconds: 20,
      rules: [
        {
          name: "r",
          kinds: ["Pod"],
          failureAction: "Enforce",
          imageReferences: ["ghcr.io/org/*"],
          attestorSets: 1,
          attestations: ["https://slsa.dev/provenance/v1"],
        },
        { name: "autogen-r", autogenFrom: "r" },
        { name: "autogen-cronjob-r", autogenFrom: "r" },
      ],
    });
    expect(result.issues.map((i) => [i.file, i.code, i.path])).toEqual([
      ["c.yaml", "YAML_INVALID", ""],
      [
        "b.yaml",
        "UNSUPPORTED_FEATURE",
        "spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.kms",
      ],
    ]);
  });

  it("prints a readable summary", () => {
    const text = formatCheckResult(
      checkPolicies([
        { path: "a.yaml", text: good },
        { path: "b.yaml", text: bad },
      ]),
    );
    expect(text).toContain(
      "OK ClusterPolicy/p (a.yaml#0): Enforce, failurePolicy Fail, timeout 20s",
    );
    expect(text).toContain("  rule autogen-r (autogen from r): Enforce on apps/v1/DaemonSet");
    expect(text).toContain("REFUSED ClusterPolicy/bad (b.yaml#0)");
    expect(text).toContain(
      "  spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.kms: awskms:// key references need a cloud KMS (awskms), which imgverify does not call",
    );
    expect(text.split("\n").at(-1)).toBe("1 loaded, 1 refused, 1 issue(s)");
  });
});
