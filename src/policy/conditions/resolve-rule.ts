import { policyError } from "../errors.ts";
import { isRemoteKeyReference, remoteKeyRefusal } from "../kyverno/parse-attestor.ts";
import { isMapping } from "../kyverno/reader.ts";
import type { Attestor, AttestorSet, ImageVerification, VerifyImagesRule } from "../types.ts";
import type { EvaluationOptions } from "./conditions.ts";
import { withEvaluation } from "./conditions.ts";
import { substituteString, type Variables } from "./variables.ts";

/** A rule whose verifyImages strings hold no variables any more, with the data they were resolved against. */
export interface ResolvedRule extends VerifyImagesRule {
  /** The rule data (base data plus context entries), for attestation conditions and validate.deny. */
  readonly data: Variables;
}

const PEM_KEY_END = "-----END PUBLIC KEY-----";

/** Fields whose variables wait for evaluation time (conditions) or that are not policy text. */
const UNRESOLVED_FIELDS: ReadonlySet<string> = new Set(["conditions", "validate", "path"]);

// Every string leaf is substituted and must stay a string; conditions are left for evaluation time.
function resolveStrings<T>(value: T, data: Variables, where: string): T {
  if (typeof value === "string") {
    const result = substituteString(value, data, where);
    if (typeof result !== "string") {
      throw policyError(
        "VARIABLE_UNRESOLVED",
        `${where}: "${value}" resolved to ${JSON.stringify(result)}, not a string`,
      );
    }
    return result as T;
  }
  if (Array.isArray(value))
    return value.map((v, i) => resolveStrings(v, data, `${where}[${i}]`)) as T;
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = UNRESOLVED_FIELDS.has(k) ? v : resolveStrings(v, data, `${where}.${k}`);
  }
  return out as T;
}

// Kyverno treats several PEM keys in one `publicKeys` as separate entries of the set.
function expandKeys(set: AttestorSet): AttestorSet {
  const entries = set.entries.flatMap((entry): Attestor[] => {
    if (entry.kind === "nested") return [{ ...entry, attestorSet: expandKeys(entry.attestorSet) }];
    if (entry.kind !== "keys") return [entry];
    if (entry.publicKeys.trim() === "")
      throw policyError(
        "VARIABLE_UNRESOLVED",
        `${entry.path}.keys.publicKeys: resolved to an empty key`,
      );
    if (isRemoteKeyReference(entry.publicKeys)) {
      throw policyError(
        "UNSUPPORTED_FEATURE",
        `${entry.path}.keys.publicKeys: ${remoteKeyRefusal(entry.publicKeys)}`,
      );
    }
    const keys = entry.publicKeys
      .split(PEM_KEY_END)
      .slice(0, -1)
      .map((k) => `${k.trimStart()}${PEM_KEY_END}`);
    return keys.length > 1 ? keys.map((publicKeys) => ({ ...entry, publicKeys })) : [entry];
  });
  return { ...set, entries };
}

function resolveVerification(v: ImageVerification, data: Variables): ImageVerification {
  const resolved = resolveStrings(v, data, v.path);
  return {
    ...resolved,
    attestors: resolved.attestors.map(expandKeys),
    attestations: resolved.attestations.map((a) => ({
      ...a,
      attestors: a.attestors.map(expandKeys),
    })),
  };
}

/**
 * Substitutes `{{ }}` variables in a rule's verifyImages entries (attestors,
 * attestations, repository...) from `data` (see `loadRuleData`), as Kyverno
 * does before verifying; attestation conditions and validate.deny keep their
 * variables for evaluation against each statement. Several PEM keys in one
 * `publicKeys` become separate entries.
 */
export function resolveRule(
  rule: VerifyImagesRule,
  data: Variables,
  options: EvaluationOptions,
): ResolvedRule {
  const constant = constantEntries.get(rule);
  if (constant !== undefined) return { ...rule, verifyImages: constant, data };
  const verifyImages = withEvaluation(options, () =>
    rule.verifyImages.map((v) => resolveVerification(v, data)),
  );
  if (!hasVariables(rule.verifyImages)) constantEntries.set(rule, verifyImages);
  return { ...rule, verifyImages, data };
}

/**
 * The resolved entries of rules without a variable outside their conditions:
 * they are the same for every request, so each admission need not rebuild them.
 */
const constantEntries = new WeakMap<VerifyImagesRule, readonly ImageVerification[]>();

function hasVariables(value: unknown): boolean {
  if (typeof value === "string") return value.includes("{{");
  if (Array.isArray(value)) return value.some(hasVariables);
  if (!isMapping(value)) return false;
  return Object.entries(value).some(([k, v]) => !UNRESOLVED_FIELDS.has(k) && hasVariables(v));
}
