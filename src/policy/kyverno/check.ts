import { formatIssue, type PolicyIssue } from "../errors.ts";
import type { FailureAction, FailurePolicy, VerifyImagesPolicy } from "../types.ts";
import { identityWarnings, type PolicyWarning } from "./identity-warnings.ts";
import { readPolicies } from "./load.ts";
import type { PolicyFile } from "./yaml-documents.ts";

/** What `imgverify check-policy` reports about one policy document. */
export interface PolicySummary {
  readonly file: string;
  readonly document: number;
  readonly kind: string;
  readonly name: string | undefined;
  readonly status: "loaded" | "refused";
  readonly validationFailureAction?: FailureAction;
  readonly failurePolicy?: FailurePolicy;
  readonly webhookTimeoutSeconds?: number;
  readonly autogenControllers?: readonly string[];
  readonly rules: readonly RuleSummary[];
  readonly ignoredRules: readonly { readonly name: string; readonly type: string }[];
  readonly issues: readonly PolicyIssue[];
  /** What loads but probably does not mean what it says (unanchored identity patterns). */
  readonly warnings: readonly PolicyWarning[];
}

export interface RuleSummary {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly autogenFrom?: string;
  readonly failureAction: FailureAction;
  readonly imageReferences: readonly string[];
  readonly attestorSets: number;
  readonly attestations: readonly string[];
}

export interface CheckResult {
  readonly policies: readonly PolicySummary[];
  /** Every issue, refused documents and YAML errors alike. */
  readonly issues: readonly PolicyIssue[];
  /** ConfigMaps found beside the policies (`namespace/name`). */
  readonly configMaps: readonly string[];
}

function summarise(p: VerifyImagesPolicy): PolicySummary {
  return {
    file: p.source.file,
    document: p.source.document,
    kind: p.kind,
    name: p.name,
    status: "loaded",
    validationFailureAction: p.validationFailureAction,
    failurePolicy: p.failurePolicy,
    ...(p.webhookTimeoutSeconds === undefined
      ? {}
      : { webhookTimeoutSeconds: p.webhookTimeoutSeconds }),
    autogenControllers: p.autogenControllers,
    rules: p.rules.map((r) => ({
      name: r.name,
      kinds: r.kinds,
      ...(r.autogen === undefined ? {} : { autogenFrom: r.autogen.rule }),
      failureAction: r.failureAction,
      imageReferences: r.verifyImages.flatMap((v) => v.imageReferences),
      attestorSets: r.verifyImages.reduce((n, v) => n + v.attestors.length, 0),
      attestations: r.verifyImages.flatMap((v) => v.attestations.map((a) => a.type)),
    })),
    ignoredRules: p.ignoredRules.map(({ name, type }) => ({ name, type })),
    issues: [],
    warnings: identityWarnings(p),
  };
}

/** Loads `files` the way the webhook would and summarises every policy, refused ones with all their issues. */
export function checkPolicies(files: readonly PolicyFile[]): CheckResult {
  const result = readPolicies(files);
  const refused: PolicySummary[] = result.refused.map((r) => ({
    ...r,
    status: "refused",
    rules: [],
    ignoredRules: [],
    warnings: [],
  }));
  const policies = [...result.policies.map(summarise), ...refused].sort(
    (a, b) => a.file.localeCompare(b.file) || a.document - b.document,
  );
  const configMaps = result.configMaps.list().map((cm) => `${cm.namespace}/${cm.name}`);
  return { policies, issues: [...result.issues], configMaps };
}

/** Readable text for people: one block per policy, then the issues. */
export function formatCheckResult(result: CheckResult): string {
  const lines: string[] = [];
  for (const p of result.policies) {
    const label = `${p.kind}/${p.name ?? "?"} (${p.file}#${p.document})`;
    if (p.status === "refused") {
      lines.push(
        `REFUSED ${label}`,
        ...p.issues.map((i) => `  ${i.path || "(document)"}: ${i.message} [${i.code}]`),
      );
      continue;
    }
    const timeout =
      p.webhookTimeoutSeconds === undefined ? "" : `, timeout ${p.webhookTimeoutSeconds}s`;
    lines.push(
      `OK ${label}: ${p.validationFailureAction}, failurePolicy ${p.failurePolicy}${timeout}`,
    );
    for (const r of p.rules) {
      const origin = r.autogenFrom === undefined ? "" : ` (autogen from ${r.autogenFrom})`;
      const attestations =
        r.attestations.length === 0 ? "" : `, attestations ${r.attestations.join(", ")}`;
      lines.push(
        `  rule ${r.name}${origin}: ${r.failureAction} on ${r.kinds.join(", ")}; images ${r.imageReferences.join(", ")}; ${r.attestorSets} attestor set(s)${attestations}`,
      );
    }
    for (const r of p.ignoredRules)
      lines.push(`  rule ${r.name}: ${r.type} rule, not run by imgverify`);
    for (const w of p.warnings) lines.push(`  WARNING ${w.path}: ${w.message}`);
  }
  const yaml = result.issues.filter((i) => i.code === "YAML_INVALID");
  lines.push(...yaml.map((i) => `YAML ${formatIssue(i)}`));
  if (result.configMaps.length > 0) lines.push(`ConfigMaps: ${result.configMaps.join(", ")}`);
  const refused = result.policies.filter((p) => p.status === "refused").length;
  lines.push(
    `${result.policies.length - refused} loaded, ${refused} refused, ${result.issues.length} issue(s)`,
  );
  return lines.join("\n");
}
