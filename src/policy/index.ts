/**
 * Kyverno `verifyImages` policies for imgverify: loading ClusterPolicy/Policy
 * YAML into typed rules (refusing what cannot be honoured, with exact field
 * paths), matching rules to admission requests, image reference globs,
 * `{{ }}` variables with rule context (ConfigMaps), and Kyverno conditions.
 * Pure: text in, typed values or `ImgverifyError<PolicyErrorCode>` out.
 */

export { toCel } from "./cel/evaluate.ts";
export {
  type AnyAllConditions,
  CONDITION_OPERATORS,
  type Condition,
  type ConditionOperator,
  type Conditions,
} from "./conditions/condition-types.ts";
export {
  type ConditionFailure,
  type ConditionsResult,
  type EvaluationOptions,
  evaluateConditions,
  evaluateDeny,
  evaluatePreconditions,
  mergeData,
  statementPredicate,
} from "./conditions/conditions.ts";
export {
  DEFAULT_EXPRESSION_BUDGET,
  ExpressionBudget,
  type ExpressionBudgetLimits,
  jmesSearch,
} from "./conditions/jmespath.ts";
export { applyOperator } from "./conditions/operators.ts";
export { type ResolvedRule, resolveRule, withSecretKeys } from "./conditions/resolve-rule.ts";
export { loadRuleData } from "./conditions/rule-data.ts";
export { clockReadCount } from "./conditions/time-functions.ts";
export { substituteDeep, substituteString, type Variables } from "./conditions/variables.ts";
export {
  formatIssue,
  type PolicyErrorCode,
  type PolicyIssue,
  type PolicyIssueCode,
  PolicyLoadError,
} from "./errors.ts";
export { type ImageEvidence, withImageEvidence } from "./ivpol/functions.ts";
export { type ResourceKey, ResourceReads, withResourceReads } from "./ivpol/resources.ts";
export {
  type CheckResult,
  checkPolicies,
  formatCheckResult,
  type PolicySummary,
  type RuleSummary,
} from "./kyverno/check.ts";
export {
  type ConfigMap,
  type ConfigMapSource,
  StaticConfigMapSource,
} from "./kyverno/configmaps.ts";
export {
  type LoadResult,
  loadPolicies,
  loadPolicyDocuments,
  type RefusedDocument,
  readPolicies,
  readPolicyDocuments,
  type SkippedDocument,
} from "./kyverno/load.ts";
export {
  type Secret,
  type SecretSource,
  StaticSecretSource,
  secretText,
} from "./kyverno/secrets.ts";
export { type PolicyFile, parseYamlFiles, type YamlDocument } from "./kyverno/yaml-documents.ts";
export { AUTOGEN_ANNOTATION, POD_CONTROLLERS } from "./match/autogen.ts";
export {
  imageVariable,
  imageVerificationApplies,
  type KyvernoImageInfo,
  kyvernoImageInfo,
  matchesImageReferences,
} from "./match/image-info.ts";
export { matchRule } from "./match/match.ts";
export type * from "./match/match-types.ts";
export { selectorMatches } from "./match/selector.ts";
export { wildcardMatch } from "./match/wildcard.ts";
export type * from "./types.ts";
export type { CelImagePolicy, ResourceRule } from "./types.ts";
