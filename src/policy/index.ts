/**
 * Kyverno `verifyImages` policies for imgverify: loading ClusterPolicy/Policy
 * YAML into typed rules (refusing what cannot be honoured, with exact field
 * paths), matching rules to admission requests, image reference globs,
 * `{{ }}` variables with rule context (ConfigMaps), and Kyverno conditions.
 * Pure: text in, typed values or `ImgverifyError<PolicyErrorCode>` out.
 */
export { AUTOGEN_ANNOTATION, POD_CONTROLLERS } from "./autogen.ts";
export {
  type CheckResult,
  checkPolicies,
  formatCheckResult,
  type PolicySummary,
  type RuleSummary,
} from "./check.ts";
export {
  type AnyAllConditions,
  CONDITION_OPERATORS,
  type Condition,
  type ConditionOperator,
  type Conditions,
} from "./condition-types.ts";
export {
  type ConditionFailure,
  type ConditionsResult,
  type EvaluationOptions,
  evaluateConditions,
  evaluateDeny,
  evaluatePreconditions,
  mergeData,
  statementPredicate,
} from "./conditions.ts";
export { type ConfigMap, type ConfigMapSource, StaticConfigMapSource } from "./configmaps.ts";
export {
  formatIssue,
  type PolicyErrorCode,
  type PolicyIssue,
  type PolicyIssueCode,
  PolicyLoadError,
} from "./errors.ts";
export {
  imageVariable,
  imageVerificationApplies,
  type KyvernoImageInfo,
  kyvernoImageInfo,
  matchesImageReferences,
} from "./image-info.ts";
export {
  DEFAULT_EXPRESSION_BUDGET,
  ExpressionBudget,
  type ExpressionBudgetLimits,
  jmesSearch,
} from "./jmespath.ts";
export {
  type LoadResult,
  loadPolicies,
  loadPolicyDocuments,
  type RefusedDocument,
  readPolicies,
  readPolicyDocuments,
  type SkippedDocument,
} from "./load.ts";
export { matchRule } from "./match.ts";
export type * from "./match-types.ts";
export { applyOperator } from "./operators.ts";
export { type ResolvedRule, resolveRule } from "./resolve-rule.ts";
export { loadRuleData } from "./rule-data.ts";
export type * from "./types.ts";
export { substituteDeep, substituteString, type Variables } from "./variables.ts";
export { wildcardMatch } from "./wildcard.ts";
export { type PolicyFile, parseYamlFiles, type YamlDocument } from "./yaml-documents.ts";
