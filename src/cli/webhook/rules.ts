/**
 * What the webhook configurations send to imgverify, and how long the API
 * server waits: every request that can start an image, widened to what the
 * loaded ImageValidatingPolicies match, with the longest timeout they ask for.
 */
import type { ResourceRule, VerifyImagesPolicy } from "../../policy/index.ts";

/** A Kubernetes `RuleWithOperations`, keys in the order the YAML prints them. */
export interface WebhookRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly apiVersions: readonly string[];
  readonly operations: readonly string[];
  readonly scope: "*";
}

/**
 * Every request that can start an image: Pods, `kubectl debug`'s
 * pods/ephemeralcontainers, and Kyverno's autogen controllers. Left out on
 * purpose: exec, attach, portforward, binding, status, eviction and the
 * controllers' scale subresources start no new image.
 */
export const POD_RULES: readonly WebhookRule[] = [
  { apiGroups: [""], resources: ["pods", "pods/ephemeralcontainers", "replicationcontrollers"] },
  { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets", "daemonsets"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] },
].map((rule) => ({ ...rule, apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], scope: "*" }));

/** Kubernetes' default, and the budget `serve` gives an admission when its policies set none. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Kubernetes allows a webhook at most 30 s. */
const MAX_TIMEOUT_SECONDS = 30;

type Dimensions = Pick<WebhookRule, "apiGroups" | "apiVersions" | "operations">;

/** Kubernetes allows `*` only alone in a list; otherwise deduplicated and sorted. */
function wildcardOr(list: readonly string[]): string[] {
  return list.includes("*") ? ["*"] : [...new Set(list)].sort();
}

const listCovers = (outer: readonly string[], inner: readonly string[]): boolean =>
  outer.includes("*") || inner.every((value) => outer.includes(value));

/** Whether every request `outer`'s groups, versions and operations admit, `inner`'s do too. */
const dominates = (outer: Dimensions, inner: Dimensions): boolean =>
  listCovers(outer.apiGroups, inner.apiGroups) &&
  listCovers(outer.apiVersions, inner.apiVersions) &&
  listCovers(outer.operations, inner.operations);

/** `pods/status` as `["pods", "status"]`, `pods` as `["pods", ""]`. */
function splitResource(pattern: string): [string, string] {
  const slash = pattern.indexOf("/");
  return slash < 0 ? [pattern, ""] : [pattern.slice(0, slash), pattern.slice(slash + 1)];
}

/**
 * Whether the resource pattern `outer` matches all that `inner` does, as the
 * API server reads `res` and `res/sub` (either part `*`; `x/*` matches `x` too).
 */
function resourceCovers(outer: string, inner: string): boolean {
  const [outerResource, outerSub] = splitResource(outer);
  const [innerResource, innerSub] = splitResource(inner);
  return (
    (outerResource === "*" || outerResource === innerResource) &&
    (outerSub === "*" || outerSub === innerSub)
  );
}

/** Each pattern once, without those another covers (the API server refuses `*` beside `pods`). */
function withoutCovered(resources: readonly string[]): string[] {
  const unique = [...new Set(resources)];
  return unique.filter((r) => !unique.some((other) => other !== r && resourceCovers(other, r)));
}

/** The API server refuses a rule with an empty list, and the engine matches nothing with one. */
const expressible = (rule: ResourceRule): boolean =>
  [rule.apiGroups, rule.apiVersions, rule.operations, rule.resources].every((l) => l.length > 0);

interface Draft {
  readonly dimensions: Dimensions;
  /** POD_RULES' resources for these dimensions, kept in their order. */
  readonly fixed: readonly string[];
  readonly added: Set<string>;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const keyOf = (d: Dimensions): string => JSON.stringify([d.apiGroups, d.apiVersions, d.operations]);

/**
 * POD_RULES and every admission-time ImageValidatingPolicy's resourceRules:
 * one rule per (groups, versions, operations), without the resources another
 * rule already sends, in an order that does not depend on the policies'. A
 * webhook rule has no resourceNames and nothing like excludeResourceRules, so
 * it sends every name and the excluded resources too: the engine still
 * applies both (and the policies' selectors) to each request.
 */
export function webhookRules(policies: readonly VerifyImagesPolicy[]): WebhookRule[] {
  const drafts = new Map<string, Draft>();
  for (const rule of POD_RULES) {
    drafts.set(keyOf(rule), { dimensions: rule, fixed: rule.resources, added: new Set() });
  }
  const extra = policies.flatMap((p) => (p.admission ? (p.cel?.resourceRules ?? []) : []));
  for (const rule of extra.filter(expressible)) {
    const dimensions = {
      apiGroups: wildcardOr(rule.apiGroups),
      apiVersions: wildcardOr(rule.apiVersions),
      operations: wildcardOr(rule.operations),
    };
    const key = keyOf(dimensions);
    const draft = drafts.get(key) ?? { dimensions, fixed: [], added: new Set<string>() };
    drafts.set(key, draft);
    for (const resource of rule.resources) draft.added.add(resource);
  }
  // POD_RULES first, as they are; then the policies' own rules by key.
  const all = [...drafts.values()];
  const added = all
    .slice(POD_RULES.length)
    .sort((a, b) => compare(keyOf(a.dimensions), keyOf(b.dimensions)));
  const merged = [...all.slice(0, POD_RULES.length), ...added].map((d) => ({
    dimensions: d.dimensions,
    resources: withoutCovered([...d.fixed, ...[...d.added].sort()]),
  }));
  // Lists are normalised and keys differ, so a rule that dominates another admits strictly
  // more: a resource is dropped only where a wider rule still sends it.
  return merged.flatMap(({ dimensions, resources }) => {
    const others = merged.filter(
      (o) => o.dimensions !== dimensions && dominates(o.dimensions, dimensions),
    );
    const kept = resources.filter(
      (r) => !others.some((o) => o.resources.some((outer) => resourceCovers(outer, r))),
    );
    if (kept.length === 0) return [];
    const { apiGroups, apiVersions, operations } = dimensions;
    return [{ apiGroups, resources: kept, apiVersions, operations, scope: "*" as const }];
  });
}

/**
 * The longest timeout an admission-time policy asks for (one that sets none
 * counts as the default `serve` budgets it), capped at Kubernetes' 30 s: the
 * engine budgets each request by the policies it matches, within this.
 */
export function webhookTimeoutSeconds(policies: readonly VerifyImagesPolicy[]): number {
  const asked = policies
    .filter((p) => p.admission)
    .map((p) => p.webhookTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  if (asked.length === 0) return DEFAULT_TIMEOUT_SECONDS;
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(...asked));
}
