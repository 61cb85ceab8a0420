import { encodeUtf8Base64 } from "../encoding/base64.ts";
import { AdmissionError } from "./errors.ts";
import type { JsonPatchOperation } from "./patch/json-patch.ts";
import { ADMISSION_API_VERSION } from "./review-types.ts";
import { codePoints, truncate } from "./text.ts";

/**
 * The AdmissionReview v1 answer. Warnings are bounded the way the API server
 * bounds them (k8s.io/apiserver WithWarningRecorder): once all warnings of a
 * request pass 4096 code points it cuts each to 256, so answers that stay
 * within both arrive whole.
 */
export const MAX_WARNING_LENGTH = 256;
export const MAX_WARNINGS_LENGTH = 4096;
export const MAX_WARNINGS = 64;
/** A denial message longer than this is cut; people read it in `kubectl` output. */
export const MAX_MESSAGE_LENGTH = 16_384;
/** A stored object is at most 1.5 MiB (etcd), so a larger patch is a bug, not a verdict. */
export const MAX_PATCH_BYTES: number = 1024 * 1024;

export interface AdmissionStatus {
  /** HTTP-style code; Kubernetes shows 403 for a denial without one. */
  readonly code: number;
  readonly message: string;
  /** A `metav1.StatusReason`, e.g. `Forbidden`, `BadRequest`. */
  readonly reason?: string;
}

/** What the webhook decided about one request. */
export interface AdmissionAnswer {
  /** The request's uid, echoed. */
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  readonly warnings?: readonly string[];
  /** JSON Patch for a mutating webhook; an empty patch is left out. */
  readonly patch?: readonly JsonPatchOperation[];
}

export interface AdmissionResponseBody {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  readonly warnings?: string[];
  readonly patchType?: "JSONPatch";
  /** Base64 of the UTF-8 JSON patch. */
  readonly patch?: string;
}

export interface AdmissionReviewResponse {
  readonly apiVersion: string;
  readonly kind: "AdmissionReview";
  readonly response: AdmissionResponseBody;
}

/**
 * The AdmissionReview to send back. `apiVersion` is v1 unless echoing a
 * request of another version (the API server wants its own version back).
 */
export function encodeAdmissionResponse(
  answer: AdmissionAnswer,
  apiVersion: string = ADMISSION_API_VERSION,
): AdmissionReviewResponse {
  const warnings = boundWarnings(answer.warnings ?? []);
  const patch = answer.patch === undefined || answer.patch.length === 0 ? undefined : answer.patch;
  const status = answer.status && {
    ...answer.status,
    message: truncate(answer.status.message, MAX_MESSAGE_LENGTH),
  };
  return {
    apiVersion,
    kind: "AdmissionReview",
    response: {
      uid: answer.uid,
      allowed: answer.allowed,
      ...(status !== undefined && { status }),
      ...(warnings.length > 0 && { warnings }),
      ...(patch !== undefined && { patchType: "JSONPatch", patch: encodePatch(patch, answer.uid) }),
    },
  };
}

/** Patches frozen throughout (a replayed answer's) cannot change: each is encoded once. */
const encodedPatches = new WeakMap<readonly JsonPatchOperation[], string>();

function encodePatch(patch: readonly JsonPatchOperation[], uid: string): string {
  const known = encodedPatches.get(patch);
  if (known !== undefined) return known;
  const encoded = encodeNewPatch(patch, uid);
  if (frozenThroughout(patch)) encodedPatches.set(patch, encoded);
  return encoded;
}

function frozenThroughout(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  return Object.isFrozen(value) && Object.values(value).every(frozenThroughout);
}

function encodeNewPatch(patch: readonly JsonPatchOperation[], uid: string): string {
  const json = JSON.stringify(patch);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: measure only when the bound could be passed.
  const bytes =
    json.length * 3 > MAX_PATCH_BYTES ? new TextEncoder().encode(json).length : json.length;
  if (bytes > MAX_PATCH_BYTES) {
    throw new AdmissionError(
      "RESPONSE_TOO_LARGE",
      `the patch for request ${uid} is ${bytes} bytes, over the ${MAX_PATCH_BYTES}-byte bound`,
      { uid },
    );
  }
  return encodeUtf8Base64(json);
}

/**
 * `warnings` without empties and repeats, each cut to `MAX_WARNING_LENGTH`,
 * at most `MAX_WARNINGS` of them within `MAX_WARNINGS_LENGTH` in all; what
 * does not fit is counted in a last warning.
 */
export function boundWarnings(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings.filter((w) => w !== ""))].map((w) =>
    truncate(w, MAX_WARNING_LENGTH),
  );
  const total = unique.reduce((sum, w) => sum + codePoints(w), 0);
  if (unique.length <= MAX_WARNINGS && total <= MAX_WARNINGS_LENGTH) return unique;
  const kept: string[] = [];
  let used = 0;
  const room = MAX_WARNINGS_LENGTH - 40; // left for the closing count
  for (const warning of unique) {
    const length = codePoints(warning);
    if (kept.length === MAX_WARNINGS - 1 || used + length > room) break;
    kept.push(warning);
    used += length;
  }
  const left = unique.length - kept.length;
  return [...kept, `${left} more warning${left === 1 ? "" : "s"} not shown`];
}
