import { describe, expect, it } from "vitest";
import { matchRule } from "../../../src/policy/index.ts";
import { issuePaths, KEYED_ENTRY, loadOne, policyWith } from "./helpers.ts";

const ALL = [
  "DaemonSet",
  "Deployment",
  "Job",
  "ReplicaSet",
  "ReplicationController",
  "StatefulSet",
  "CronJob",
];

function input(group: string, version: string, kind: string) {
  return {
    group,
    version,
    kind,
    name: "x",
    namespace: "ns",
    labels: {},
    annotations: {},
    operation: "CREATE" as const,
  };
}

describe("Kyverno autogen", () => {
  it("extends a Pod rule to every pod controller by default", () => {
    const policy = loadOne(
      policyWith(KEYED_ENTRY, {
        rule: "context:\n- name: v\n  variable:\n    value: '{{ request.object.spec.containers }}'",
      }),
    );
    expect(policy.autogenControllers).toEqual(ALL);
    expect(policy.rules.map((r) => [r.name, r.kinds, r.autogen?.podTemplatePath])).toEqual([
      ["r", ["Pod"], undefined],
      [
        "autogen-r",
        [
          "apps/v1/DaemonSet",
          "apps/v1/Deployment",
          "batch/v1/Job",
          "apps/v1/ReplicaSet",
          "v1/ReplicationController",
          "apps/v1/StatefulSet",
        ],
        "spec.template",
      ],
      ["autogen-cronjob-r", ["batch/v1/CronJob"], "spec.jobTemplate.spec.template"],
    ]);
    const [, controllers, cron] = policy.rules;
    expect(controllers?.autogen?.rule).toBe("r");
    expect(controllers?.context[0]).toMatchObject({
      value: "{{ request.object.spec.template.spec.containers }}",
    });
    expect(cron?.context[0]).toMatchObject({
      value: "{{ request.object.spec.jobTemplate.spec.template.spec.containers }}",
    });
    expect(matchRule(controllers as never, input("apps", "v1", "Deployment")).outcome).toBe(
      "match",
    );
    expect(matchRule(controllers as never, input("batch", "v1", "CronJob")).outcome).toBe(
      "no-match",
    );
    expect(matchRule(cron as never, input("batch", "v1", "CronJob")).outcome).toBe("match");
    expect(matchRule(policy.rules[0] as never, input("apps", "v1", "Deployment")).outcome).toBe(
      "no-match",
    );
  });

  it.each([
    ["none", [], ["r"]],
    ["Deployment", ["Deployment"], ["r", "autogen-r"]],
    ["Deployment,CronJob", ["Deployment", "CronJob"], ["r", "autogen-r", "autogen-cronjob-r"]],
    ["CronJob", ["CronJob"], ["r", "autogen-cronjob-r"]],
    ["all", ALL, ["r", "autogen-r", "autogen-cronjob-r"]],
  ])("annotation %j", (value, controllers, rules) => {
    const policy = loadOne(
      policyWith(KEYED_ENTRY, {
        metadata: `annotations:\n  pod-policies.kyverno.io/autogen-controllers: ${value}`,
      }),
    );
    expect(policy.autogenControllers).toEqual(controllers);
    expect(policy.rules.map((r) => r.name)).toEqual(rules);
  });

  it("refuses unknown controller names in the annotation", () => {
    const text = policyWith(KEYED_ENTRY, {
      metadata: "annotations:\n  pod-policies.kyverno.io/autogen-controllers: Deployment,Pods",
    });
    expect(issuePaths(text)).toEqual([
      'FIELD_INVALID metadata.annotations["pod-policies.kyverno.io/autogen-controllers"]',
    ]);
  });

  it.each([
    ["a name in the match", "name: x"],
    ["names", "names: [x]"],
    ["a label selector", "selector:\n  matchLabels: {a: b}"],
    ["annotations", "annotations:\n  a: b"],
  ])("is off for the whole policy when a rule has %s", (_what, criterion) => {
    const text = policyWith(KEYED_ENTRY).replace(
      "          kinds: [Pod]",
      `          kinds: [Pod]\n          ${criterion.split("\n").join("\n          ")}`,
    );
    const policy = loadOne(text);
    expect(policy.autogenControllers).toEqual([]);
    expect(policy.rules.map((r) => r.name)).toEqual(["r"]);
  });

  it("is off when Pod is mixed with other kinds, or nothing matches Pods", () => {
    expect(
      loadOne(policyWith(KEYED_ENTRY).replace("kinds: [Pod]", "kinds: [Pod, Deployment]")).rules,
    ).toHaveLength(1);
    expect(
      loadOne(policyWith(KEYED_ENTRY).replace("kinds: [Pod]", "kinds: [Deployment]")).rules,
    ).toHaveLength(1);
  });

  it("keeps namespaces and other criteria on the derived rules", () => {
    const text = policyWith(KEYED_ENTRY).replace(
      "kinds: [Pod]",
      "kinds: [Pod]\n          namespaces: [prod-*]",
    );
    const derived = loadOne(text).rules[1];
    expect(derived?.match.filters[0]?.namespaces).toEqual(["prod-*"]);
    expect(
      matchRule(derived as never, { ...input("apps", "v1", "StatefulSet"), namespace: "prod-eu" })
        .outcome,
    ).toBe("match");
    expect(
      matchRule(derived as never, { ...input("apps", "v1", "StatefulSet"), namespace: "dev" })
        .outcome,
    ).toBe("no-match");
  });
});
