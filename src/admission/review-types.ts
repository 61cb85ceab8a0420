/**
 * The AdmissionReview v1 request as imgverify reads it (k8s.io/api
 * admission/v1). Fields Kubernetes leaves out when empty (`omitempty`) are
 * given their empty value here, so readers never meet `undefined` strings.
 */
import type { AdmissionOperation } from "../policy/index.ts";

export type { AdmissionOperation };

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";
export const ADMISSION_OPERATIONS: readonly AdmissionOperation[] = [
  "CREATE",
  "UPDATE",
  "DELETE",
  "CONNECT",
];

/** A JSON object as it came off the wire. */
export type JsonObject = Readonly<Record<string, unknown>>;

export interface GroupVersionKind {
  /** "" for the core group (Pods). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface UserInfo {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  /** e.g. `status`, `ephemeralcontainers`; "" for the main resource. */
  readonly subResource: string;
  /** The kind the client asked for, when the API server converted it. */
  readonly requestKind: GroupVersionKind | undefined;
  readonly requestResource: GroupVersionResource | undefined;
  readonly requestSubResource: string;
  /** "" on CREATE when the object only has `generateName`. */
  readonly name: string;
  /** "" for cluster-scoped resources. */
  readonly namespace: string;
  readonly operation: AdmissionOperation;
  readonly userInfo: UserInfo;
  /** The new object; undefined for DELETE. */
  readonly object: JsonObject | undefined;
  /** The stored object on UPDATE and DELETE. */
  readonly oldObject: JsonObject | undefined;
  readonly dryRun: boolean;
  /** The operation's options (CreateOptions, UpdateOptions...). */
  readonly options: JsonObject | undefined;
  /**
   * Set by `imgverify apply --json-payload` only, never read from a review:
   * the object is a JSON payload, which JSON-mode ImageValidatingPolicies
   * check and nothing else does.
   */
  readonly payload?: true;
}
