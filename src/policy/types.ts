/**
 * The typed model of Kyverno `verifyImages` policies that the loader builds
 * and the engine runs. Every field is already validated and defaulted the way
 * Kyverno does; strings may still hold `{{ }}` variables until `resolveRule`.
 */

import type { AttestorSet } from "./attestor-types.ts";
import type { CelProgram } from "./cel/evaluate.ts";
import type { AnyAllConditions, Conditions } from "./conditions/condition-types.ts";
import type { LabelSelector, MatchResources } from "./match/match-types.ts";

export type * from "./attestor-types.ts";

export type FailureAction = "Enforce" | "Audit";
export type FailurePolicy = "Fail" | "Ignore";
export type VerificationType = "Cosign" | "SigstoreBundle" | "Notary";
export type PolicyKind =
  | "ClusterPolicy"
  | "Policy"
  | "ImageValidatingPolicy"
  | "NamespacedImageValidatingPolicy";

/** Where a document came from: the caller's path and the 0-based document index in it. */
export interface SourceLocation {
  readonly file: string;
  readonly document: number;
}

export interface VerifyImagesPolicy {
  readonly kind: PolicyKind;
  readonly apiVersion: string;
  readonly name: string;
  /** Set for `Policy` (namespaced); such a policy only applies to its own namespace. */
  readonly namespace: string | undefined;
  readonly source: SourceLocation;
  readonly annotations: Readonly<Record<string, string>>;
  /** `spec.validationFailureAction` (`enforce`/`audit` accepted too); Kyverno's default is Audit. */
  readonly validationFailureAction: FailureAction;
  /** `spec.webhookConfiguration.failurePolicy`, else `spec.failurePolicy`, else Fail. */
  readonly failurePolicy: FailurePolicy;
  /** `spec.webhookConfiguration.timeoutSeconds`, else `spec.webhookTimeoutSeconds` (1-30); undefined: the server's default. */
  readonly webhookTimeoutSeconds: number | undefined;
  readonly background: boolean;
  readonly admission: boolean;
  readonly applyRules: "All" | "One";
  readonly emitWarning: boolean;
  /** Pod controllers the Pod rules were extended to by autogen (empty when autogen is off). */
  readonly autogenControllers: readonly string[];
  /** The verifyImages rules, written ones first, then the autogen ones. */
  readonly rules: readonly VerifyImagesRule[];
  /** Rules of other types (validate, mutate, generate): not run by imgverify, listed so nothing is silent. */
  readonly ignoredRules: readonly IgnoredRule[];
  /** Set for an ImageValidatingPolicy, whose checks and CEL validations it carries (its `rules` are empty). */
  readonly cel?: CelImagePolicy;
}

export interface IgnoredRule {
  readonly name: string;
  readonly path: string;
  readonly type: "validate" | "mutate" | "generate" | "verifyManifests";
}

export interface VerifyImagesRule {
  readonly name: string;
  /** The rule's field path in its document, e.g. `spec.rules[0]`; autogen rules carry their origin's path. */
  readonly path: string;
  /** Set on rules Kyverno's autogen derives from a Pod rule. */
  readonly autogen: AutogenOrigin | undefined;
  readonly match: MatchResources;
  readonly exclude: MatchResources | undefined;
  /** Every kind the match names (`Pod`, `apps/v1/Deployment`, `tekton.dev/v1beta1/Task`...). */
  readonly kinds: readonly string[];
  readonly context: readonly ContextEntry[];
  readonly preconditions: AnyAllConditions | undefined;
  /** `imageExtractors` by kind, for custom resources. */
  readonly imageExtractors: Readonly<Record<string, readonly ImageExtractor[]>>;
  readonly verifyImages: readonly ImageVerification[];
  /** The rule's action as Kyverno resolves it: Enforce if any entry enforces, else the first set, else the policy's. */
  readonly failureAction: FailureAction;
  readonly skipBackgroundRequests: boolean;
  readonly reportProperties: Readonly<Record<string, string>>;
}

export interface AutogenOrigin {
  /** Name of the Pod rule it was derived from. */
  readonly rule: string;
  /** Where the pod template sits in the controller object. */
  readonly podTemplatePath: "spec.template" | "spec.jobTemplate.spec.template";
}

export interface ImageExtractor {
  readonly path: string;
  readonly value: string | undefined;
  readonly name: string | undefined;
  readonly key: string | undefined;
  readonly jmesPath: string | undefined;
}

export type ContextEntry = ConfigMapContextEntry | VariableContextEntry;

export interface ConfigMapContextEntry {
  readonly type: "configMap";
  readonly name: string;
  readonly path: string;
  readonly configMap: { readonly name: string; readonly namespace: string };
}

/** A `variable` entry: a value (with variables), or a JMESPath over the rule's data, with a default. */
export interface VariableContextEntry {
  readonly type: "variable";
  readonly name: string;
  readonly path: string;
  readonly value: unknown;
  readonly jmesPath: string | undefined;
  readonly default: unknown;
}

export interface ImageVerification {
  readonly path: string;
  readonly type: VerificationType;
  /** Glob patterns (Kyverno wildcards) matched against the normalised image reference. */
  readonly imageReferences: readonly string[];
  readonly skipImageReferences: readonly string[];
  /** All sets must be satisfied. Empty when only attestations are checked. */
  readonly attestors: readonly AttestorSet[];
  readonly attestations: readonly Attestation[];
  /** Alternate repository holding the signatures and attestations. */
  readonly repository: string | undefined;
  readonly mutateDigest: boolean;
  readonly verifyDigest: boolean;
  /**
   * Kyverno's validating webhook checks with it that its mutating webhook
   * recorded the image as verified. Both endpoints here verify the image
   * itself, so an unverified image fails either way.
   */
  readonly required: boolean;
  readonly useCache: boolean;
  /** cosign's experimental OCI 1.1 signature storage. */
  readonly cosignOCI11: boolean;
  /**
   * `imageRegistryCredentials.secrets`: pull secrets (`name` in imgverify's
   * namespace, or `namespace/name`) whose registry credentials this entry's
   * registry calls use before imgverify's own.
   */
  readonly pullSecrets: readonly string[];
  /** The entry's `failureAction`, else the policy's `validationFailureAction`. */
  readonly failureAction: FailureAction;
  /** `validate.deny`: conditions over named attestations' predicates; the image is refused when they hold. */
  readonly validate:
    | { readonly message: string | undefined; readonly deny: AnyAllConditions }
    | undefined;
}

export interface Attestation {
  readonly path: string;
  /** The in-toto predicate type (`type`, or the deprecated `predicateType`). */
  readonly type: string;
  /** Name under which the predicate is added to the data of `validate.deny`. */
  readonly name: string | undefined;
  /** Empty: Kyverno fetches the attestations without an attestor constraint. */
  readonly attestors: readonly AttestorSet[];
  readonly conditions: Conditions;
}

// ImageValidatingPolicy (policies.kyverno.io): what only CEL policies have. The
// loader carries one in a VerifyImagesPolicy (for timeouts, failure policy and
// the engine's checks) whose `cel` field holds it.

export interface ResourceRule {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly operations: readonly string[];
  /** Plurals, `*`, `pods/*`-style subresources. */
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
}

export interface NamedProgram {
  readonly name: string;
  readonly path: string;
  readonly program: CelProgram;
}

export interface CelValidation {
  readonly path: string;
  readonly program: CelProgram;
  readonly message: string | undefined;
  /** `messageExpression`: the message when the validation fails, over the same variables. */
  readonly messageProgram: CelProgram | undefined;
}

export interface CelAttestation {
  readonly kind: "intoto" | "referrer";
  readonly type: string;
}

/** An attestor by name, and where its checks sit in the carrier's verifyImages entries. */
export interface NamedAttestor {
  readonly name: string;
  readonly type: "Cosign" | "Notary";
  /** The carrier entry (by index) and its attestor set (by index) that check this attestor. */
  readonly entry: number;
  readonly set: number;
}

export interface CelImagePolicy {
  /**
   * Kyverno's autogen: the same policy for pod controllers (their own
   * resourceRules; expressions reading the pod template), tried when the
   * policy's own resourceRules do not match.
   */
  readonly autogen: readonly CelImagePolicy[];
  /** `evaluation.mode`: Kubernetes requests, or JSON payloads (`apply --json-payload`). */
  readonly mode: "Kubernetes" | "JSON";
  /** Whether an expression calls `getImageData`: the images' manifests and configs are fetched for it. */
  readonly readsImageData: boolean;
  readonly resourceRules: readonly ResourceRule[];
  readonly excludeResourceRules: readonly ResourceRule[];
  readonly namespaceSelector: LabelSelector | undefined;
  readonly objectSelector: LabelSelector | undefined;
  readonly matchConditions: readonly NamedProgram[];
  readonly imageGlobs: readonly string[];
  readonly imageExpressions: readonly CelProgram[];
  /** `spec.images`: named expressions giving lists of images; a name replaces the pod spec list of that name. */
  readonly imageExtractors: readonly NamedProgram[];
  /**
   * Keys and certificates given by CEL expressions: each `name` is a Kyverno
   * variable in the carrier entries, filled per admission with the value.
   */
  readonly materials: readonly NamedProgram[];
  readonly variables: readonly NamedProgram[];
  readonly attestors: readonly NamedAttestor[];
  /** Attestations by name: in-toto (cosign) predicate types, or referrer (Notary) artifact types. */
  readonly attestations: ReadonlyMap<string, CelAttestation>;
  readonly validations: readonly CelValidation[];
  /** Deny blocks; Audit only reports; Warn adds a warning. */
  readonly validationActions: readonly ("Deny" | "Audit" | "Warn")[];
  readonly required: boolean;
  /** The rule the carrier's checks run under (not among its `rules`). */
  readonly rule: VerifyImagesRule;
  /** One entry per attestor type (cosign, notary), in `rule.verifyImages` order. */
  readonly entries: readonly ImageVerification[];
}
