import { type CodedErrorFactory, codedError, ImgverifyError } from "../errors.ts";

/** Machine-readable codes of every failure the policy module reports. */
export type PolicyErrorCode =
  /** A file is not YAML, or a document is not a mapping. */
  | "YAML_INVALID"
  /** One or more policies have bad or unsupported fields; `issues` lists every one. */
  | "POLICY_INVALID"
  /** A field has the wrong type or a value outside what Kyverno accepts. */
  | "FIELD_INVALID"
  /** A field Kyverno requires is missing or empty. */
  | "FIELD_REQUIRED"
  /** A field Kyverno does not define (usually a typo that would otherwise be ignored). */
  | "FIELD_UNKNOWN"
  /** A Kyverno feature imgverify refuses to run rather than ignore (KMS keys, Secrets, API calls...). */
  | "UNSUPPORTED_FEATURE"
  /** A rule `context` entry whose data is not available (e.g. a ConfigMap that was not supplied). */
  | "CONTEXT_UNRESOLVED"
  /** A `{{ }}` variable that names data which is not there, or resolves to an unusable value. */
  | "VARIABLE_UNRESOLVED"
  /** A JMESPath expression that does not parse or fails while running (bad function argument...). */
  | "JMESPATH_FAILED"
  /** An input over the module's bounds (file size, document count, nesting, substitution rounds). */
  | "LIMIT_EXCEEDED"
  /**
   * The admission's expressions (variables, context entries, conditions) used
   * up its CPU budget; the rule fails (denies) whatever the failurePolicy.
   */
  | "EXPRESSION_BUDGET_EXCEEDED";

/** One bad field: `path` is the field path inside the document, e.g. `spec.rules[0].verifyImages[0].type`. */
export interface PolicyIssue {
  readonly code: Exclude<
    PolicyErrorCode,
    "POLICY_INVALID" | "CONTEXT_UNRESOLVED" | "JMESPATH_FAILED" | "EXPRESSION_BUDGET_EXCEEDED"
  >;
  readonly path: string;
  readonly message: string;
  /** The file and the document index in it (0-based) when the issue comes from a file. */
  readonly file?: string;
  readonly document?: number;
  /** The policy the issue belongs to, when its name is known. */
  readonly policy?: string;
}

export type PolicyIssueCode = PolicyIssue["code"];

export const policyError: CodedErrorFactory<PolicyErrorCode> = codedError;

/** Thrown by `loadPolicies` when any document is refused: lists every issue at once. */
export class PolicyLoadError extends ImgverifyError<PolicyErrorCode> {
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[]) {
    super("POLICY_INVALID", describeIssues(issues));
    this.name = "PolicyLoadError";
    this.issues = issues;
  }

  override toJSON(): { code: PolicyErrorCode; message: string; issues: readonly PolicyIssue[] } {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** One line per issue: `file#doc policy path: message`. */
export function formatIssue(issue: PolicyIssue): string {
  const where = issue.file === undefined ? "" : `${issue.file}#${issue.document ?? 0} `;
  const policy = issue.policy === undefined ? "" : `${issue.policy} `;
  return `${where}${policy}${issue.path}: ${issue.message} [${issue.code}]`;
}

function describeIssues(issues: readonly PolicyIssue[]): string {
  const shown = issues.slice(0, 20).map(formatIssue);
  const more =
    issues.length > shown.length ? `\n  ... and ${issues.length - shown.length} more` : "";
  return `policy refused: ${issues.length} issue(s)\n  ${shown.join("\n  ")}${more}`;
}
