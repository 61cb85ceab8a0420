import type {
  MatchInput,
  MatchResources,
  MatchResult,
  MatchUnknown,
  ResourceFilter,
} from "./match-types.ts";
import { selectorMatches } from "./selector.ts";
import { matchesAny, wildcardMatch } from "./wildcard.ts";

/**
 * Kyverno's rule matching (pkg/engine/utils/match.go) in three-valued logic:
 * facts the caller did not supply (namespace labels, roles) make a criterion
 * "unknown" instead of guessing; `any` and `all` then combine as Kleene logic,
 * so an unknown only surfaces when it can change the answer.
 */

type Truth = true | false | MatchUnknown;

function and(values: readonly Truth[]): Truth {
  if (values.includes(false)) return false;
  return values.find((v) => v !== true) ?? true;
}

function or(values: readonly Truth[]): Truth {
  if (values.includes(true)) return true;
  return values.find((v) => v !== false) ?? false;
}

function kindMatches(f: ResourceFilter, input: MatchInput): boolean {
  const sub = input.subresource ?? "";
  return f.kinds.some((k) => {
    const gvk =
      wildcardMatch(k.group, input.group) &&
      wildcardMatch(k.version, input.version) &&
      wildcardMatch(k.kind, input.kind);
    if (!gvk) return false;
    // Kyverno lets Pod rules see ephemeral containers without naming the subresource.
    const podEphemeral =
      input.group === "" &&
      input.version === "v1" &&
      input.kind === "Pod" &&
      sub === "ephemeralcontainers";
    return wildcardMatch(k.subresource, sub) || podEphemeral;
  });
}

function resourceCriteria(f: ResourceFilter, input: MatchInput): Truth[] {
  const namespace = input.kind === "Namespace" ? input.name : input.namespace;
  const truths: Truth[] = [];
  if (f.operations.length > 0) truths.push(f.operations.includes(input.operation));
  if (f.kinds.length > 0) truths.push(kindMatches(f, input));
  if (f.name !== undefined) truths.push(wildcardMatch(f.name, input.name));
  if (f.names.length > 0) truths.push(matchesAny(f.names, input.name));
  if (f.namespaces.length > 0) truths.push(matchesAny(f.namespaces, namespace));
  const annotations = Object.entries(f.annotations);
  if (annotations.length > 0) {
    const actual = Object.entries(input.annotations);
    truths.push(
      annotations.every(([k, v]) =>
        actual.some(([ak, av]) => wildcardMatch(k, ak) && wildcardMatch(v, av)),
      ),
    );
  }
  if (f.selector !== undefined) truths.push(selectorMatches(f.selector, input.labels));
  if (f.namespaceSelector !== undefined) {
    if (input.kind === "Namespace") truths.push(false);
    else
      truths.push(
        input.namespaceLabels === undefined
          ? "namespaceLabels"
          : selectorMatches(f.namespaceSelector, input.namespaceLabels),
      );
  }
  return truths;
}

function userCriteria(f: ResourceFilter, input: MatchInput): Truth[] {
  const truths: Truth[] = [];
  const user = input.userInfo ?? { username: "", groups: [] };
  // Without a requesting user there are no roles; with one, roles are unknown until the caller computes them.
  const none = input.userInfo === undefined ? [] : undefined;
  const roles = input.roles ?? none;
  const clusterRoles = input.clusterRoles ?? none;
  if (f.roles.length > 0)
    truths.push(roles === undefined ? "roles" : f.roles.some((r) => roles.includes(r)));
  if (f.clusterRoles.length > 0) {
    truths.push(
      clusterRoles === undefined
        ? "clusterRoles"
        : f.clusterRoles.some((r) => clusterRoles.includes(r)),
    );
  }
  if (f.subjects.length > 0) {
    truths.push(
      f.subjects.some((s) => {
        if (s.kind === "ServiceAccount")
          return wildcardMatch(
            `system:serviceaccount:${s.namespace ?? ""}:${s.name}`,
            user.username,
          );
        if (s.kind === "Group") return user.groups.some((g) => wildcardMatch(s.name, g));
        return wildcardMatch(s.name, user.username);
      }),
    );
  }
  return truths;
}

// Kyverno drops user criteria from `match` (not `exclude`) when the request carries no user info.
function filterMatches(f: ResourceFilter, input: MatchInput, forExclude: boolean): Truth {
  const user = input.userInfo === undefined && !forExclude ? [] : userCriteria(f, input);
  const truths = [...resourceCriteria(f, input), ...user];
  return truths.length === 0 ? false : and(truths);
}

function blockMatches(block: MatchResources, input: MatchInput, forExclude: boolean): Truth {
  const truths = block.filters.map((f) => filterMatches(f, input, forExclude));
  return block.mode === "any" ? or(truths) : and(truths);
}

function result(truth: Truth, reason: string): MatchResult {
  if (truth === true) return { outcome: "match" };
  if (truth === false) return { outcome: "no-match", reason };
  return { outcome: "unknown", missing: [truth] };
}

/** Whether a rule with `match` / `exclude` applies to the request described by `input`. */
export function matchRule(
  rule: { readonly match: MatchResources; readonly exclude: MatchResources | undefined },
  input: MatchInput,
  policyNamespace?: string,
): MatchResult {
  if (policyNamespace !== undefined && policyNamespace !== input.namespace) {
    return {
      outcome: "no-match",
      reason: `the policy only applies to namespace ${policyNamespace}`,
    };
  }
  const matched = blockMatches(rule.match, input, false);
  if (matched === false || rule.exclude === undefined)
    return result(matched, "match criteria not met");
  const excluded = blockMatches(rule.exclude, input, true);
  if (excluded === true) return { outcome: "no-match", reason: "excluded by the exclude block" };
  if (excluded === false) return result(matched, "match criteria not met");
  return {
    outcome: "unknown",
    missing: matched === true ? [excluded] : [...new Set([matched, excluded])],
  };
}
