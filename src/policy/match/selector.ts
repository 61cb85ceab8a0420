import type { LabelSelector } from "./match-types.ts";
import { hasWildcard, wildcardMatch } from "./wildcard.ts";

/**
 * Kubernetes label selectors as Kyverno evaluates them: `matchLabels` entries
 * may use wildcards in key and value (Kyverno expands them against the
 * object's labels), `matchExpressions` are the standard In/NotIn/Exists/
 * DoesNotExist. An empty selector matches everything.
 */
export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  const labelMatches = Object.entries(selector.matchLabels).every(([key, value]) => {
    if (!hasWildcard(key) && !hasWildcard(value)) return labels[key] === value;
    return Object.entries(labels).some(
      ([k, v]) => wildcardMatch(key, k) && wildcardMatch(value, v),
    );
  });
  return (
    labelMatches &&
    selector.matchExpressions.every(({ key, operator, values }) => {
      const present = Object.hasOwn(labels, key);
      switch (operator) {
        case "In":
          return present && values.includes(labels[key] as string);
        case "NotIn":
          return !present || !values.includes(labels[key] as string);
        case "Exists":
          return present;
        default:
          return !present;
      }
    })
  );
}
