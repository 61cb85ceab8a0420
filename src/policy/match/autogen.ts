import { parseKindSelector } from "../kyverno/parse-match.ts";
import { isMapping } from "../kyverno/reader.ts";
import type { VerifyImagesRule } from "../types.ts";
import type { MatchResources, ResourceFilter } from "./match-types.ts";

/**
 * Kyverno's autogen (pkg/autogen/v1): a policy whose rules match Pods is also
 * applied to the pod templates of controllers, through derived rules named
 * `autogen-<rule>` and `autogen-cronjob-<rule>`, unless the annotation below
 * says `none` or names the controllers to use.
 */
export const AUTOGEN_ANNOTATION = "pod-policies.kyverno.io/autogen-controllers";

const CONTROLLER_GVK: Readonly<Record<string, string>> = {
  DaemonSet: "apps/v1/DaemonSet",
  Deployment: "apps/v1/Deployment",
  Job: "batch/v1/Job",
  ReplicaSet: "apps/v1/ReplicaSet",
  ReplicationController: "v1/ReplicationController",
  StatefulSet: "apps/v1/StatefulSet",
  CronJob: "batch/v1/CronJob",
};
export const POD_CONTROLLERS: readonly string[] = Object.keys(CONTROLLER_GVK);

const POD_PATHS: readonly [string, string][] = [
  ["request.object.spec", "request.object.spec.template.spec"],
  ["request.oldObject.spec", "request.oldObject.spec.template.spec"],
  ["request.object.metadata", "request.object.spec.template.metadata"],
  ["request.oldObject.metadata", "request.oldObject.spec.template.metadata"],
];
const CRONJOB_PATHS: readonly [string, string][] = POD_PATHS.map(([from, to]) => [
  from,
  to.replace(".spec.template.", ".spec.jobTemplate.spec.template."),
]);

function kindsOf(block: unknown): string[] {
  if (!isMapping(block) || !Array.isArray(block.kinds)) return [];
  return block.kinds.filter((k): k is string => typeof k === "string");
}

function hasPod(kinds: readonly string[]): boolean {
  return kinds.some((k) => parseKindSelector(k)?.kind === "Pod");
}

// The resource descriptions of a raw match/exclude block (legacy form and any/all).
function descriptions(block: unknown): unknown[] {
  if (!isMapping(block)) return [];
  const filters = [
    ...(Array.isArray(block.any) ? block.any : []),
    ...(Array.isArray(block.all) ? block.all : []),
  ];
  return [block.resources, ...filters.map((f) => (isMapping(f) ? f.resources : undefined))].filter(
    isMapping,
  );
}

/** Kyverno's CanAutoGen over all rules of the policy (any rule type can switch it off). */
export function canAutogen(rawRules: readonly unknown[]): boolean {
  let needed = false;
  for (const rule of rawRules.filter(isMapping)) {
    if (rule.generate !== undefined) return false;
    const mutate = rule.mutate;
    if (isMapping(mutate)) {
      const foreach = Array.isArray(mutate.foreach) ? mutate.foreach : [];
      if (
        mutate.patchesJson6902 !== undefined ||
        foreach.some((f) => isMapping(f) && f.patchesJson6902 !== undefined)
      ) {
        return false;
      }
    }
    for (const d of [...descriptions(rule.match), ...descriptions(rule.exclude)]) {
      const r = d as Record<string, unknown>;
      const kinds = kindsOf(r);
      if (r.name || (Array.isArray(r.names) && r.names.length > 0) || r.selector || r.annotations)
        return false;
      if (kinds.length > 1 && hasPod(kinds)) return false;
      needed ||= kinds.some((k) => k === "Pod" || POD_CONTROLLERS.includes(k));
    }
  }
  return needed;
}

/** The controllers named by the annotation (all when absent, none for `none`), and names it does not know. */
export function autogenControllers(annotation: string | undefined): {
  controllers: string[];
  unknown: string[];
} {
  if (annotation === undefined || annotation === "all")
    return { controllers: [...POD_CONTROLLERS], unknown: [] };
  if (annotation === "none") return { controllers: [], unknown: [] };
  const names = annotation.split(",");
  return {
    controllers: names.filter((n) => POD_CONTROLLERS.includes(n)),
    unknown: names.filter((n) => !POD_CONTROLLERS.includes(n)),
  };
}

function retarget(
  m: MatchResources,
  gvks: readonly string[],
  everyFilter: boolean,
): MatchResources {
  const kinds = gvks.flatMap((k) => parseKindSelector(k) ?? []);
  const filters = m.filters.map(
    (f): ResourceFilter =>
      everyFilter || hasPod(f.kinds.map((k) => k.text)) ? { ...f, kinds } : f,
  );
  return { mode: m.mode, filters };
}

function rewrite<T>(value: T, paths: readonly [string, string][]): T {
  if (typeof value === "string")
    return paths.reduce((s, [from, to]) => s.split(from).join(to), value as string) as T;
  if (Array.isArray(value)) return value.map((v) => rewrite(v, paths)) as T;
  if (!isMapping(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, paths)])) as T;
}

function derive(
  rule: VerifyImagesRule,
  prefix: string,
  gvks: readonly string[],
  cron: boolean,
): VerifyImagesRule {
  const paths = cron ? CRONJOB_PATHS : POD_PATHS;
  const match = retarget(rule.match, gvks, cron);
  return {
    ...rule,
    name: `${prefix}-${rule.name}`.slice(0, 63),
    autogen: {
      rule: rule.name,
      podTemplatePath: cron ? "spec.jobTemplate.spec.template" : "spec.template",
    },
    match,
    exclude: rule.exclude && retarget(rule.exclude, gvks, cron),
    kinds: match.filters.flatMap((f) => f.kinds.map((k) => k.text)),
    context: rewrite(rule.context, paths),
    preconditions: rewrite(rule.preconditions, paths),
    verifyImages: rewrite(rule.verifyImages, paths),
  };
}

/** The rules autogen derives from `rules` for `controllers`. */
export function autogenRules(
  rules: readonly VerifyImagesRule[],
  controllers: readonly string[],
): VerifyImagesRule[] {
  const podControllers = controllers.filter((c) => c !== "CronJob").sort();
  const gvks = podControllers.map((c) => CONTROLLER_GVK[c] as string);
  return rules.flatMap((rule) => {
    const excludeKinds = rule.exclude?.filters.flatMap((f) => f.kinds.map((k) => k.text)) ?? [];
    if (rule.name.startsWith("autogen-") || !hasPod(rule.kinds)) return [];
    if (excludeKinds.length > 0 && !hasPod(excludeKinds)) return [];
    const derived = gvks.length > 0 ? [derive(rule, "autogen", gvks, false)] : [];
    if (controllers.includes("CronJob"))
      derived.push(derive(rule, "autogen-cronjob", [CONTROLLER_GVK.CronJob as string], true));
    return derived;
  });
}
