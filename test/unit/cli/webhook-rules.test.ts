/** The webhook configurations' rules and timeout, widened by the policies `serve` will load. */
import { describe, expect, it } from "vitest";
import {
  POD_RULES,
  type WebhookRule,
  webhookRules,
  webhookTimeoutSeconds,
} from "../../../src/cli/webhook/rules.ts";
import type { VerifyImagesPolicy } from "../../../src/policy/index.ts";
import { KEYED_ENTRY, loadOne, PEM, policyWith } from "../policy/helpers.ts";

function ivpol(resourceRules: object[], spec: object = {}, name = "ivp"): VerifyImagesPolicy {
  return loadOne(
    JSON.stringify({
      apiVersion: "policies.kyverno.io/v1beta1",
      kind: "ImageValidatingPolicy",
      metadata: { name },
      spec: {
        validationActions: ["Deny"],
        matchConstraints: { resourceRules },
        matchImageReferences: [{ glob: "ghcr.io/*" }],
        attestors: [{ name: "key", cosign: { key: { data: PEM } } }],
        validations: [{ expression: "true" }],
        ...spec,
      },
    }),
  );
}

const rule = (apiGroups: string[], resources: string[], operations = ["CREATE"]) => ({
  apiGroups,
  apiVersions: ["v1"],
  operations,
  resources,
});

interface Request {
  group: string;
  version?: string;
  resource: string;
  subresource?: string;
  operation: string;
}

/** Whether the API server sends `request` under `rules` (its matcher, scope aside). */
function sends(rules: readonly WebhookRule[], request: Request): boolean {
  const { group, version = "v1", resource, subresource = "", operation } = request;
  const has = (list: readonly string[], value: string) =>
    list.includes("*") || list.includes(value);
  return rules.some(
    (r) =>
      has(r.apiGroups, group) &&
      has(r.apiVersions, version) &&
      has(r.operations, operation) &&
      r.resources.some((pattern) => {
        const [res = "", sub = ""] = pattern.split("/");
        return (res === "*" || res === resource) && (sub === "*" || sub === subresource);
      }),
  );
}

describe("webhookRules", () => {
  it("is Pods, pods/ephemeralcontainers and the pod controllers without ImageValidatingPolicies", () => {
    expect(webhookRules([])).toEqual(POD_RULES);
    expect(webhookRules([loadOne(policyWith(KEYED_ENTRY))])).toEqual(POD_RULES);
    expect(POD_RULES.map((r) => r.resources)).toEqual([
      ["pods", "pods/ephemeralcontainers", "replicationcontrollers"],
      ["deployments", "replicasets", "statefulsets", "daemonsets"],
      ["jobs", "cronjobs"],
    ]);
  });

  it("adds what a policy matches beyond them, and nothing they already send", () => {
    const rules = webhookRules([
      ivpol([rule([""], ["configmaps"]), rule(["apps"], ["deployments"])]),
    ]);
    expect(rules).toEqual([
      ...POD_RULES,
      {
        apiGroups: [""],
        resources: ["configmaps"],
        apiVersions: ["v1"],
        operations: ["CREATE"],
        scope: "*",
      },
    ]);
    expect(sends(rules, { group: "", resource: "configmaps", operation: "CREATE" })).toBe(true);
    expect(sends(rules, { group: "", resource: "configmaps", operation: "UPDATE" })).toBe(false);
    expect(sends(rules, { group: "apps", resource: "deployments", operation: "CREATE" })).toBe(
      true,
    );
  });

  it("merges rules with the same groups, versions and operations, in an order of its own", () => {
    const a = ivpol([rule(["apps"], ["replicasets", "controllerrevisions"], ["UPDATE", "CREATE"])]);
    const b = ivpol([rule(["tekton.dev"], ["tasks"]), rule(["", "apps"], ["widgets"])], {}, "b");
    const c = ivpol([rule(["tekton.dev"], ["pipelines", "tasks"])], {}, "c");
    const rules = webhookRules([a, b, c]);
    expect(webhookRules([c, b, a])).toEqual(rules);
    expect(rules.map((r) => [r.apiGroups.join(","), r.operations.join(","), r.resources])).toEqual([
      ["", "CREATE,UPDATE", ["pods", "pods/ephemeralcontainers", "replicationcontrollers"]],
      [
        "apps",
        "CREATE,UPDATE",
        ["deployments", "replicasets", "statefulsets", "daemonsets", "controllerrevisions"],
      ],
      ["batch", "CREATE,UPDATE", ["jobs", "cronjobs"]],
      [",apps", "CREATE", ["widgets"]],
      ["tekton.dev", "CREATE", ["pipelines", "tasks"]],
    ]);
  });

  it("spells wildcards as the API server accepts them and drops what a wider rule sends", () => {
    const everything = ivpol([
      {
        apiGroups: ["*", "apps"],
        apiVersions: ["*"],
        operations: ["*", "CREATE"],
        resources: ["*/*", "pods"],
      },
    ]);
    expect(webhookRules([everything])).toEqual([
      { apiGroups: ["*"], resources: ["*/*"], apiVersions: ["*"], operations: ["*"], scope: "*" },
    ]);
    const core = ivpol([rule([""], ["*", "configmaps", "pods/*", "pods/status"], ["*"])]);
    // It sends all the core Pod rule does, so that rule goes.
    expect(webhookRules([core])).toEqual([
      POD_RULES[1],
      POD_RULES[2],
      {
        apiGroups: [""],
        resources: ["*", "pods/*"],
        apiVersions: ["v1"],
        operations: ["*"],
        scope: "*",
      },
    ]);
  });

  it("sends every name and excluded resource (the engine applies both), and skips policies off at admission", () => {
    const narrowed = ivpol([], {
      matchConstraints: {
        resourceRules: [{ ...rule([""], ["secrets"]), resourceNames: ["one"] }],
        excludeResourceRules: [rule([""], ["secrets"])],
      },
    });
    expect(webhookRules([narrowed]).at(-1)?.resources).toEqual(["secrets"]);
    const off = ivpol([rule([""], ["secrets"])], { evaluation: { admission: { enabled: false } } });
    expect(webhookRules([off])).toEqual(POD_RULES);
  });
});

describe("webhookTimeoutSeconds", () => {
  const timed = (seconds: number) =>
    ivpol([rule([""], ["pods"])], { webhookConfiguration: { timeoutSeconds: seconds } });

  it("is the longest a policy asks for, ClusterPolicies too, 10 s for one that sets none", () => {
    expect(webhookTimeoutSeconds([])).toBe(10);
    expect(webhookTimeoutSeconds([timed(25)])).toBe(25);
    expect(webhookTimeoutSeconds([timed(5)])).toBe(5);
    expect(webhookTimeoutSeconds([timed(5), ivpol([rule([""], ["pods"])])])).toBe(10);
    const clusterPolicy = loadOne(policyWith(KEYED_ENTRY, { spec: "webhookTimeoutSeconds: 28" }));
    expect(webhookTimeoutSeconds([timed(25), clusterPolicy])).toBe(28);
  });

  it("is at most Kubernetes' 30 s and ignores policies off at admission", () => {
    expect(webhookTimeoutSeconds([{ ...timed(5), webhookTimeoutSeconds: 45 }])).toBe(30);
    const off = ivpol([rule([""], ["pods"])], {
      webhookConfiguration: { timeoutSeconds: 30 },
      evaluation: { admission: { enabled: false } },
    });
    expect(webhookTimeoutSeconds([timed(5), off])).toBe(5);
  });
});
