import { goYamlNestedMap } from "../encoding/go-yaml/emit.ts";

/**
 * Kyverno's texts for a verdict: the denial (pkg/webhooks/utils/block.go,
 * GetBlockedMessages) and the warnings (warning.go, GetWarningMessages).
 */

/** Kyverno's rule statuses. */
export type RuleStatus = "pass" | "fail" | "warn" | "error" | "skip";

export interface RuleOutcome {
  readonly policy: string;
  readonly rule: string;
  readonly status: RuleStatus;
  readonly message: string;
  /**
   * Report as an admission warning. Kyverno does for every rule not skipped
   * of a policy with `emitWarning: true`, and for an image skipped by
   * `skipImageReferences`.
   */
  readonly warn?: boolean;
}

/** The object a verdict is about, as Kyverno names it: `kind/namespace/name`. */
export interface ResourceIdentity {
  readonly kind: string;
  /** "" for cluster-scoped objects (the text then reads `Kind//name`). */
  readonly namespace: string;
  /** "" for an object that has only a `generateName` yet. */
  readonly name: string;
}

/**
 * The denial message: every outcome that neither passed nor was skipped, by
 * policy and rule, as YAML. "" when there is none. The text starts with two
 * newlines and has a space before the first blank line, as Kyverno's does.
 */
export function blockedMessage(
  resource: ResourceIdentity,
  outcomes: readonly RuleOutcome[],
): string {
  const failures = new Map<string, Map<string, string>>();
  for (const { policy, rule, status, message } of outcomes) {
    if (status === "pass" || status === "skip") continue;
    const rules = failures.get(policy) ?? new Map<string, string>();
    rules.set(rule, message);
    failures.set(policy, rules);
  }
  if (failures.size === 0) return "";
  const { kind, namespace, name } = resource;
  return `\n\nresource ${kind}/${namespace}/${name} was blocked due to the following policies \n\n${goYamlNestedMap(failures)}`;
}

/** `policy <policy>.<rule>: <message>` for each outcome marked `warn`. */
export function warningMessages(outcomes: readonly RuleOutcome[]): string[] {
  return outcomes.filter((o) => o.warn === true).map(formatWarning);
}

export function formatWarning(outcome: Pick<RuleOutcome, "policy" | "rule" | "message">): string {
  return `policy ${outcome.policy}.${outcome.rule}: ${outcome.message}`;
}
