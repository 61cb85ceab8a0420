/**
 * Kyverno's autogen for ImageValidatingPolicy: a policy matching only Pods
 * is also applied to the pod controllers (all of them unless
 * `spec.autogen.podControllers.controllers` names some), through a copy of
 * its spec whose match constraints name the controllers and whose
 * `object.spec` and `object.metadata` (and `oldObject.…`) read the pod
 * template instead, `.namespace` excepted, as Kyverno rewrites it.
 */
import { isMapping } from "../kyverno/reader.ts";

interface Target {
  /** Every controller's version is v1. */
  readonly group: string;
  readonly resource: string;
  /** Where the pod template sits. */
  readonly replacements: "defaults" | "cronjobs";
}

const TARGETS: readonly Target[] = [
  { group: "apps", resource: "daemonsets", replacements: "defaults" },
  { group: "apps", resource: "deployments", replacements: "defaults" },
  { group: "apps", resource: "replicasets", replacements: "defaults" },
  { group: "apps", resource: "statefulsets", replacements: "defaults" },
  { group: "batch", resource: "jobs", replacements: "defaults" },
  { group: "batch", resource: "cronjobs", replacements: "cronjobs" },
];

/** The controllers Kyverno generates for by default. */
export const AUTOGEN_CONTROLLERS: readonly string[] = TARGETS.map((t) => t.resource);

const TEMPLATE: Readonly<Record<Target["replacements"], string>> = {
  defaults: "spec.template",
  cronjobs: "spec.jobTemplate.spec.template",
};

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Kyverno's CanAutoGen: one rule for exactly `"" v1 pods`, no names, excludes or object selector. */
export function canAutogen(constraints: unknown): boolean {
  if (!isMapping(constraints)) return false;
  const selector = constraints.objectSelector;
  if (isMapping(selector)) {
    const labels = isMapping(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
    if (labels > 0 || list(selector.matchExpressions).length > 0) return false;
  }
  if (list(constraints.excludeResourceRules).length > 0) return false;
  const rules = list(constraints.resourceRules);
  const [rule] = rules;
  if (rules.length !== 1 || !isMapping(rule)) return false;
  const only = (value: unknown, wanted: string) => {
    const values = list(value);
    return values.length === 1 && values[0] === wanted;
  };
  return (
    list(rule.resourceNames).length === 0 &&
    only(rule.apiGroups, "") &&
    only(rule.apiVersions, "v1") &&
    only(rule.resources, "pods")
  );
}

/** `object.spec` as `object.spec.template.spec`, …, leaving `object.metadata.namespace` alone. */
function rewrite(text: string, template: string): string {
  let out = text;
  for (const root of ["object", "oldObject"]) {
    for (const field of ["spec", "metadata"]) {
      const from = `${root}.${field}`;
      const pattern = new RegExp(
        `${from.replace(".", "\\.")}(?!\\.namespace(?![A-Za-z0-9_]))`,
        "g",
      );
      out = out.replace(pattern, `${root}.${template}.${field}`);
    }
  }
  return out;
}

export interface AutogenSpec {
  /** The controllers' resources, e.g. `deployments`. */
  readonly resources: readonly string[];
  readonly spec: Record<string, unknown>;
}

/** The specs Kyverno would generate for `spec`'s controllers, one per pod template location. */
export function autogenSpecs(
  spec: Record<string, unknown>,
  controllers: readonly string[],
): AutogenSpec[] {
  const constraints = spec.matchConstraints as Record<string, unknown>;
  const [podRule] = list(constraints.resourceRules) as Record<string, unknown>[];
  const operations = podRule?.operations;
  const { autogen: _, ...rest } = spec;
  return (["defaults", "cronjobs"] as const).flatMap((replacements) => {
    const targets = TARGETS.filter(
      (t) => t.replacements === replacements && controllers.includes(t.resource),
    );
    if (targets.length === 0) return [];
    const groups = [...new Set(targets.map((t) => t.group))].sort();
    const resourceRules = groups.map((group) => ({
      apiGroups: [group],
      apiVersions: ["v1"],
      resources: targets
        .filter((t) => t.group === group)
        .map((t) => t.resource)
        .sort(),
      operations,
    }));
    const rewritten = JSON.parse(rewrite(JSON.stringify(rest), TEMPLATE[replacements]));
    return [
      {
        resources: targets.map((t) => t.resource),
        spec: {
          ...rewritten,
          matchConstraints: {
            resourceRules,
            ...(constraints.namespaceSelector !== undefined && {
              namespaceSelector: constraints.namespaceSelector,
            }),
          },
        },
      },
    ];
  });
}
