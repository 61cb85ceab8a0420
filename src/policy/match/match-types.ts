/** Kyverno `match` / `exclude` blocks and the admission facts they are evaluated against. */

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

/** Resource filters combined with `any` (one must match) or `all` (each must). The legacy direct form is one filter under `all`. */
export interface MatchResources {
  readonly mode: "any" | "all";
  readonly filters: readonly ResourceFilter[];
}

/** A kind selector as Kyverno splits it: `Pod`, `v1/Pod`, `apps/v1/Deployment`, `Pod/exec`, `tekton.dev/v1beta1/TaskRun.status`. */
export interface KindSelector {
  readonly text: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly subresource: string;
}

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelExpression[];
}

export interface LabelExpression {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values: readonly string[];
}

export interface Subject {
  readonly kind: "User" | "Group" | "ServiceAccount";
  readonly name: string;
  readonly namespace: string | undefined;
}

/** Attributes within a filter are ANDed; list entries within one attribute are ORed. */
export interface ResourceFilter {
  readonly path: string;
  readonly kinds: readonly KindSelector[];
  /** Deprecated single `name`; checked in addition to `names`. */
  readonly name: string | undefined;
  readonly names: readonly string[];
  readonly namespaces: readonly string[];
  readonly annotations: Readonly<Record<string, string>>;
  readonly selector: LabelSelector | undefined;
  readonly namespaceSelector: LabelSelector | undefined;
  readonly operations: readonly AdmissionOperation[];
  readonly subjects: readonly Subject[];
  readonly roles: readonly string[];
  readonly clusterRoles: readonly string[];
}

// Like every record of readonly fields, this one and VerifyImagesPolicy (policy/types.ts)
// read alike to `duplicates`: a known look-alike, not shared logic.
/** The facts of one admission request a rule is matched against. */
export interface MatchInput {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly subresource?: string;
  /** The object's name, or its `generateName` when it has none yet. */
  readonly name: string;
  /** "" for cluster-scoped objects. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly operation: AdmissionOperation;
  /** Labels of the object's namespace; undefined when the caller has not looked them up. */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** The AdmissionReview `userInfo`; undefined (as in background scans) makes `match` skip user filters. */
  readonly userInfo?: { readonly username: string; readonly groups: readonly string[] };
  /** The requester's Roles (`namespace:name`) and ClusterRoles; undefined when not computed. */
  readonly roles?: readonly string[];
  readonly clusterRoles?: readonly string[];
}

/** What the match needs that the input did not give. */
export type MatchUnknown = "namespaceLabels" | "roles" | "clusterRoles";

export type MatchResult =
  | { readonly outcome: "match" }
  | { readonly outcome: "no-match"; readonly reason: string }
  /** The answer depends on facts the caller did not supply; it decides (look them up, or fail closed). */
  | { readonly outcome: "unknown"; readonly missing: readonly MatchUnknown[] };
