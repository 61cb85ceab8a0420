import { describe, expect, it } from "vitest";
import { type MatchInput, matchRule } from "../../../src/policy/index.ts";
import { indent, KEYED_ENTRY, loadOne } from "./helpers.ts";

function ruleWith(match: string, exclude?: string) {
  const text = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
  annotations:
    pod-policies.kyverno.io/autogen-controllers: none
spec:
  rules:
  - name: r
    match:
${indent(match, 6)}
${exclude === undefined ? "" : `    exclude:\n${indent(exclude, 6)}`}
    verifyImages:
    - ${indent(KEYED_ENTRY, 6).trimStart()}`;
  const rule = loadOne(text).rules[0];
  if (rule === undefined) throw new Error("no rule");
  return rule;
}

const POD: MatchInput = {
  group: "",
  version: "v1",
  kind: "Pod",
  name: "web-1",
  namespace: "prod",
  labels: { app: "web", tier: "front" },
  annotations: { "team.example/owner": "alice" },
  operation: "CREATE",
};

function outcome(match: string, input: Partial<MatchInput> = {}, exclude?: string): string {
  const r = matchRule(ruleWith(match, exclude), { ...POD, ...input });
  return r.outcome === "unknown" ? `unknown:${r.missing.join(",")}` : r.outcome;
}

describe("matchRule: kinds", () => {
  it.each([
    ["Pod", {}, "match"],
    ["v1/Pod", {}, "match"],
    ["'*/Pod'", {}, "match"],
    ["Pod", { kind: "Deployment", group: "apps" }, "no-match"],
    ["apps/v1/Deployment", { kind: "Deployment", group: "apps" }, "match"],
    ["apps/v1/Deployment", { kind: "Deployment", group: "extensions" }, "no-match"],
    ["apps/*/Deployment", { kind: "Deployment", group: "apps", version: "v1beta2" }, "match"],
    ["Pod", { subresource: "exec" }, "no-match"],
    ["Pod/exec", { subresource: "exec" }, "match"],
    ["Pod", { subresource: "ephemeralcontainers" }, "match"],
    [
      "tekton.dev/v1beta1/TaskRun.status",
      { group: "tekton.dev", version: "v1beta1", kind: "TaskRun", subresource: "status" },
      "match",
    ],
    ["tekton.dev/v1beta1/Task", { group: "tekton.dev", version: "v1beta1", kind: "Task" }, "match"],
    ["'*'", { kind: "Secret" }, "match"],
    ["P?d", {}, "match"],
  ])("kinds [%s] on %j -> %s", (kind, input, expected) => {
    expect(outcome(`any:\n- resources:\n    kinds: [${kind}]`, input)).toBe(expected);
  });
});

describe("matchRule: names, namespaces, operations, annotations, selectors", () => {
  it.each([
    ["names: [web-*]", {}, "match"],
    ["names: [db-*, 'web-?']", {}, "match"],
    ["names: [db]", {}, "no-match"],
    ["name: web-1", {}, "match"],
    ["names: [web-*]", { name: "" }, "no-match"],
    ["namespaces: [prod]", {}, "match"],
    ["namespaces: ['pr*']", {}, "match"],
    ["namespaces: [dev]", {}, "no-match"],
    ["namespaces: [prod]", { kind: "Namespace", name: "prod", namespace: "" }, "match"],
    ["operations: [CREATE]", {}, "match"],
    ["operations: [UPDATE, DELETE]", {}, "no-match"],
    ["annotations: {'team.example/*': al*}", {}, "match"],
    ["annotations: {'team.example/owner': bob}", {}, "no-match"],
    ["selector: {matchLabels: {app: web}}", {}, "match"],
    ["selector: {matchLabels: {app: 'w*'}}", {}, "match"],
    ["selector: {matchLabels: {'ti*': front}}", {}, "match"],
    ["selector: {matchLabels: {app: db}}", {}, "no-match"],
    ["selector: {matchExpressions: [{key: app, operator: In, values: [web, api]}]}", {}, "match"],
    ["selector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}", {}, "no-match"],
    ["selector: {matchExpressions: [{key: missing, operator: NotIn, values: [x]}]}", {}, "match"],
    ["selector: {matchExpressions: [{key: app, operator: Exists}]}", {}, "match"],
    ["selector: {matchExpressions: [{key: app, operator: DoesNotExist}]}", {}, "no-match"],
    ["selector: {}", {}, "match"],
  ])("%s on %j -> %s", (criterion, input, expected) => {
    expect(
      outcome(`any:\n- resources:\n    kinds: [Pod, Namespace]\n    ${criterion}`, input),
    ).toBe(expected);
  });

  it("needs every attribute of a filter (AND) and one entry per list (OR)", () => {
    expect(
      outcome("any:\n- resources:\n    kinds: [Pod]\n    namespaces: [prod]\n    names: [db]"),
    ).toBe("no-match");
    expect(
      outcome("all:\n- resources:\n    kinds: [Pod]\n- resources:\n    namespaces: [dev]"),
    ).toBe("no-match");
    expect(
      outcome("all:\n- resources:\n    kinds: [Pod]\n- resources:\n    namespaces: [prod]"),
    ).toBe("match");
    expect(
      outcome("any:\n- resources:\n    kinds: [Secret]\n- resources:\n    namespaces: [prod]"),
    ).toBe("match");
  });

  it("reads the legacy direct resources form", () => {
    expect(outcome("resources:\n  kinds: [Pod]\n  namespaces: [prod]")).toBe("match");
    expect(outcome("resources:\n  kinds: [Pod]\n  namespaces: [dev]")).toBe("no-match");
  });
});

describe("matchRule: facts the caller may not have", () => {
  const nsSelector =
    "any:\n- resources:\n    kinds: [Pod]\n    namespaceSelector:\n      matchExpressions:\n      - {key: signed, operator: In, values: ['true']}";

  it("reports namespaceSelector as unknown until namespace labels are given", () => {
    expect(outcome(nsSelector)).toBe("unknown:namespaceLabels");
    expect(outcome(nsSelector, { namespaceLabels: { signed: "true" } })).toBe("match");
    expect(outcome(nsSelector, { namespaceLabels: {} })).toBe("no-match");
    expect(
      outcome(nsSelector, { kind: "Namespace", name: "prod", namespaceLabels: { signed: "true" } }),
    ).toBe("no-match");
  });

  it("lets a known answer win over an unknown in any/all", () => {
    const any = `${nsSelector}\n- resources:\n    kinds: [Pod]\n    namespaces: [prod]`;
    expect(outcome(any)).toBe("match");
    const all =
      "all:\n- resources:\n    kinds: [Secret]\n- resources:\n    namespaceSelector: {matchLabels: {a: b}}";
    expect(outcome(all)).toBe("no-match");
  });

  it("evaluates subjects from the AdmissionReview userInfo", () => {
    const subjects = `any:
- subjects:
  - kind: User
    name: alice@example.com
  - kind: Group
    name: 'team-*'
  - kind: ServiceAccount
    name: deployer
    namespace: ci`;
    expect(outcome(subjects, { userInfo: { username: "alice@example.com", groups: [] } })).toBe(
      "match",
    );
    expect(outcome(subjects, { userInfo: { username: "bob", groups: ["team-a"] } })).toBe("match");
    expect(
      outcome(subjects, {
        userInfo: { username: "system:serviceaccount:ci:deployer", groups: [] },
      }),
    ).toBe("match");
    expect(outcome(subjects, { userInfo: { username: "bob", groups: ["ops"] } })).toBe("no-match");
    // Kyverno drops user criteria when there is no user (background scans): a user-only filter is then empty.
    expect(outcome(subjects)).toBe("no-match");
    expect(outcome(`${subjects}\n  resources:\n    kinds: [Pod]`)).toBe("match");
  });

  it("treats roles as unknown until the caller computes them", () => {
    const roles =
      "any:\n- resources:\n    kinds: [Pod]\n  roles: ['prod:deployer']\n  clusterRoles: [admin]";
    const user = { userInfo: { username: "bob", groups: [] } };
    expect(outcome(roles, user)).toBe("unknown:roles");
    expect(outcome(roles, { ...user, roles: ["prod:deployer"], clusterRoles: [] })).toBe(
      "no-match",
    );
    expect(outcome(roles, { ...user, roles: ["prod:deployer"], clusterRoles: ["admin"] })).toBe(
      "match",
    );
  });
});

describe("matchRule: exclude and policy namespace", () => {
  const match = "any:\n- resources:\n    kinds: [Pod]";

  it("excludes when an exclude filter matches", () => {
    expect(outcome(match, {}, "any:\n- resources:\n    namespaces: [prod]")).toBe("no-match");
    expect(outcome(match, {}, "any:\n- resources:\n    namespaces: [dev]")).toBe("match");
    expect(
      outcome(
        match,
        {},
        "all:\n- resources:\n    namespaces: [prod]\n- resources:\n    names: [db]",
      ),
    ).toBe("match");
    expect(
      outcome(
        match,
        {},
        "all:\n- resources:\n    namespaces: [prod]\n- resources:\n    names: ['web*']",
      ),
    ).toBe("no-match");
    expect(
      outcome(
        match,
        { userInfo: { username: "system:admin", groups: [] } },
        "any:\n- subjects:\n  - kind: User\n    name: 'system:*'",
      ),
    ).toBe("no-match");
  });

  it("is unknown when the exclusion depends on missing facts", () => {
    expect(
      outcome(match, {}, "any:\n- resources:\n    namespaceSelector: {matchLabels: {skip: 'yes'}}"),
    ).toBe("unknown:namespaceLabels");
    expect(
      outcome(
        match,
        { namespaceLabels: { skip: "no" } },
        "any:\n- resources:\n    namespaceSelector: {matchLabels: {skip: 'yes'}}",
      ),
    ).toBe("match");
  });

  it("applies a namespaced Policy to its own namespace only", () => {
    const rule = ruleWith(match);
    expect(matchRule(rule, POD, "prod").outcome).toBe("match");
    expect(matchRule(rule, POD, "dev")).toEqual({
      outcome: "no-match",
      reason: "the policy only applies to namespace dev",
    });
  });
});
