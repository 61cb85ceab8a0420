import { isObject, setOwn } from "../fields.ts";
import type { JsonPatchOperation } from "./json-patch.ts";
import { escapePointerToken } from "./json-pointer.ts";

/**
 * Kyverno's record of verified images on the admitted object
 * (pkg/engine/api/imageverifymetadata.go): `kyverno.io/verify-images` maps
 * each image to pass, fail or skip; `kyverno.io/verify-images-scoped` keeps
 * the same per `namespace/policy` and rule (a ClusterPolicy's namespace is
 * "", so its key is `/name`). Both are JSON in Go's encoding (sorted keys,
 * `<>&` escaped). Like Kyverno, an admission's results replace whatever the
 * object carried: the requester can write those values, so they must never
 * survive as if verified.
 */
export const VERIFY_IMAGES_ANNOTATION = "kyverno.io/verify-images";
export const VERIFY_IMAGES_SCOPED_ANNOTATION = "kyverno.io/verify-images-scoped";

export type ImageVerificationStatus = "pass" | "fail" | "skip";
const STATUSES: readonly string[] = ["pass", "fail", "skip"];

export interface ImageVerificationRecord {
  /** Kyverno's key: the image's normalised reference (after a digest pin, `registry/path@digest`). */
  readonly image: string;
  readonly status: ImageVerificationStatus;
  /** The rule that decided it; recorded in the scoped annotation. Namespace "" for a ClusterPolicy. */
  readonly scope: { readonly namespace: string; readonly policy: string; readonly rule: string };
}

type StatusMap = Record<string, ImageVerificationStatus>;
/** `namespace/policy` → rule → image → status. */
export type ScopedStatusMap = Record<string, Record<string, StatusMap>>;

/** The image statuses in an annotation value; {} for a value that is not such a map. */
export function parseVerifyImages(value: string | undefined): StatusMap {
  return statusMap(parseJson(value));
}

/** The scoped statuses in an annotation value (`{"version":1,"policies":...}`); {} otherwise. */
export function parseVerifyImagesScoped(value: string | undefined): ScopedStatusMap {
  const parsed = parseJson(value);
  const out: ScopedStatusMap = {};
  if (!isObject(parsed) || parsed.version !== 1 || !isObject(parsed.policies)) return out;
  for (const [policy, rules] of Object.entries(parsed.policies)) {
    if (!isObject(rules)) continue;
    const byRule: Record<string, StatusMap> = {};
    for (const [rule, images] of Object.entries(rules)) setOwn(byRule, rule, statusMap(images));
    setOwn(out, policy, byRule);
  }
  return out;
}

/**
 * The patch that writes `records` into the object's annotations, replacing
 * the values it has: one `add` of the whole annotations map (or metadata)
 * when the object has none, else one `add` per annotation key (an `add` of
 * an existing key replaces it). [] without records.
 */
export function verifyImagesAnnotationPatches(
  object: unknown,
  records: readonly ImageVerificationRecord[],
): JsonPatchOperation[] {
  if (records.length === 0) return [];
  const images: StatusMap = {};
  const scoped: ScopedStatusMap = {};
  for (const { image, status, scope } of records) {
    setOwn(images, image, status);
    const policyKey = `${scope.namespace}/${scope.policy}`;
    const rules = Object.hasOwn(scoped, policyKey) ? (scoped[policyKey] ?? {}) : {};
    const statuses = Object.hasOwn(rules, scope.rule) ? (rules[scope.rule] ?? {}) : {};
    setOwn(statuses, image, status);
    setOwn(rules, scope.rule, statuses);
    setOwn(scoped, policyKey, rules);
  }
  const values: Record<string, string> = {
    [VERIFY_IMAGES_ANNOTATION]: goJson(images),
    // A Go struct: its fields keep their declared order.
    [VERIFY_IMAGES_SCOPED_ANNOTATION]: `{"version":1,"policies":${goJson(scoped)}}`,
  };

  const metadata = isObject(object) && isObject(object.metadata) ? object.metadata : undefined;
  if (metadata === undefined) {
    return [{ op: "add", path: "/metadata", value: { annotations: values } }];
  }
  if (!isObject(metadata.annotations)) {
    return [{ op: "add", path: "/metadata/annotations", value: values }];
  }
  return Object.entries(values).map(([key, value]) => ({
    op: "add",
    path: `/metadata/annotations/${escapePointerToken(key)}`,
    value,
  }));
}

function parseJson(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function statusMap(value: unknown): StatusMap {
  const out: StatusMap = {};
  if (!isObject(value)) return out;
  for (const [image, status] of Object.entries(value)) {
    if (typeof status === "string" && STATUSES.includes(status)) {
      setOwn(out, image, status as ImageVerificationStatus);
    }
  }
  return out;
}

/** JSON as Go's encoding/json writes it: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isObject(v) ? sortedKeys(v) : v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function sortedKeys(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) setOwn(out, key, object[key]);
  return out;
}
