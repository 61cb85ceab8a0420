import {
  AUTOGEN_ANNOTATION,
  autogenControllers,
  autogenRules,
  canAutogen,
  POD_CONTROLLERS,
} from "../match/autogen.ts";
import type {
  FailureAction,
  IgnoredRule,
  PolicyKind,
  SourceLocation,
  VerifyImagesPolicy,
  VerifyImagesRule,
} from "../types.ts";
import { parseRule } from "./parse-rule.ts";
import { FieldReader, type IssueSink, isMapping } from "./reader.ts";

export const POLICY_API_VERSIONS: readonly string[] = ["kyverno.io/v1", "kyverno.io/v2beta1"];

const SPEC_KEYS = [
  "rules",
  "applyRules",
  "failurePolicy",
  "validationFailureAction",
  "validationFailureActionOverrides",
  "emitWarning",
  "admission",
  "background",
  "webhookTimeoutSeconds",
  "webhookConfiguration",
  // Accepted but without effect on image verification (they steer schema checks and mutate/generate rules).
  "schemaValidation",
  "mutateExistingOnPolicyUpdate",
  "generateExisting",
  "generateExistingOnPolicyUpdate",
  "useServerSideApply",
] as const;
const ACTION_ALIASES: Record<string, FailureAction> = { enforce: "Enforce", audit: "Audit" };

function parseRules(spec: FieldReader, namespace: string | undefined, policyAction: FailureAction) {
  const rules: VerifyImagesRule[] = [];
  const ignoredRules: IgnoredRule[] = [];
  const seen = new Set<string>();
  const items = spec.list("rules");
  if (items.length === 0) spec.issue("FIELD_REQUIRED", "rules", "at least one rule is required");
  for (const { value, path } of items) {
    const parsed = parseRule(value, path, spec.sink, { policyNamespace: namespace, policyAction });
    if (parsed === undefined) continue;
    if (seen.has(parsed.rule.name))
      spec.sink("FIELD_INVALID", `${path}.name`, `duplicate rule name "${parsed.rule.name}"`);
    seen.add(parsed.rule.name);
    if (parsed.type === "verifyImages") rules.push(parsed.rule);
    else ignoredRules.push(parsed.rule);
  }
  return { rules, ignoredRules, raw: items.map((i) => i.value) };
}

/** A ClusterPolicy/Policy document; undefined (with issues in `sink`) when it cannot be used. */
export function parsePolicy(
  doc: Record<string, unknown>,
  source: SourceLocation,
  sink: IssueSink,
): VerifyImagesPolicy | undefined {
  const top = FieldReader.of(doc, "", sink, ["apiVersion", "kind", "metadata", "spec", "status"]);
  if (top === undefined) return undefined;
  const kind = top.oneOf("kind", ["ClusterPolicy", "Policy"] as const) as PolicyKind;
  const apiVersion = top.string("apiVersion", true) ?? "";
  if (apiVersion !== "" && !POLICY_API_VERSIONS.includes(apiVersion)) {
    top.issue("FIELD_INVALID", "apiVersion", `must be one of ${POLICY_API_VERSIONS.join(", ")}`);
  }
  const metadata = isMapping(doc.metadata) ? doc.metadata : {};
  const meta = FieldReader.of(metadata, "metadata", sink, Object.keys(metadata));
  const name = meta?.string("name", true);
  const namespace = kind === "Policy" ? (meta?.string("namespace") ?? "default") : undefined;
  if (kind === "ClusterPolicy") meta?.refuse("namespace", "a ClusterPolicy is not namespaced");
  const annotations = meta?.stringMap("annotations") ?? {};
  const spec = top.object("spec", SPEC_KEYS);
  if (!top.has("spec")) top.issue("FIELD_REQUIRED", "spec", "is required");
  if (spec === undefined || name === undefined) return undefined;
  spec.refuse(
    "validationFailureActionOverrides",
    "per-namespace failure actions are not supported by imgverify; set failureAction on each verifyImages entry",
  );
  const hook = spec.object("webhookConfiguration", [
    "failurePolicy",
    "timeoutSeconds",
    "matchConditions",
  ]);
  hook?.refuse("matchConditions", "CEL webhook match conditions are not supported by imgverify");
  const validationFailureAction =
    spec.oneOf("validationFailureAction", ["Enforce", "Audit"] as const, ACTION_ALIASES) ?? "Audit";
  const failurePolicy =
    hook?.oneOf("failurePolicy", ["Fail", "Ignore"] as const) ??
    spec.oneOf("failurePolicy", ["Fail", "Ignore"] as const) ??
    "Fail";
  const webhookTimeoutSeconds =
    hook?.integer("timeoutSeconds", 1, 30) ?? spec.integer("webhookTimeoutSeconds", 1, 30);
  const { rules, ignoredRules, raw } = parseRules(spec, namespace, validationFailureAction);
  const { controllers, unknown } = autogenControllers(annotations[AUTOGEN_ANNOTATION]);
  if (unknown.length > 0) {
    sink(
      "FIELD_INVALID",
      `metadata.annotations[${JSON.stringify(AUTOGEN_ANNOTATION)}]`,
      `unknown controllers ${unknown.map((u) => JSON.stringify(u)).join(", ")} (use none, all or a comma-separated list of ${POD_CONTROLLERS.join(", ")})`,
    );
  }
  const autogen = canAutogen(raw) ? controllers : [];
  return {
    kind,
    apiVersion,
    name,
    namespace,
    source,
    annotations,
    validationFailureAction,
    failurePolicy,
    webhookTimeoutSeconds,
    background: spec.boolean("background", true),
    admission: spec.boolean("admission", true),
    applyRules: spec.oneOf("applyRules", ["All", "One"] as const) ?? "All",
    emitWarning: spec.boolean("emitWarning", false),
    autogenControllers: autogen,
    rules: [...rules, ...autogenRules(rules, autogen)],
    ignoredRules,
  };
}
