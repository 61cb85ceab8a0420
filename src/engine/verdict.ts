/**
 * From results to the admission answer: what denies (a failure under
 * Enforce; an unanswered question whenever the request's failurePolicy is
 * Fail, which it is as soon as one policy that took part says Fail, as in
 * Kyverno's BlockRequest), what warns (the rest that did not pass, skipped
 * images, `emitWarning` policies) and what is patched (digest pins, the
 * verify-images annotations) when the request is admitted.
 */
import {
  type AdmissionRequest,
  blockedMessage,
  digestPinPatch,
  type ImageVerificationRecord,
  type JsonPatchOperation,
  type RuleOutcome,
  resourceIdentity,
  subjectObject,
  verifyImagesAnnotationPatches,
  warningMessages,
} from "../admission/index.ts";
import type { VerifyImagesPolicy } from "../policy/index.ts";
import type { Unit } from "./plan.ts";
import type { ImageResult } from "./types.ts";

/** Fail when any policy with a result says Fail (Kyverno's handleVerifyImages), else Ignore. */
export function requestFailurePolicy(results: readonly ImageResult[]): "Fail" | "Ignore" {
  return results.some((r) => r.failurePolicy === "Fail") ? "Fail" : "Ignore";
}

/** An error blocks under a failurePolicy of Fail whatever the action: what was not answered was not verified. */
export function blocks(result: ImageResult, failurePolicy: "Fail" | "Ignore"): boolean {
  if (result.status === "fail") return result.failureAction === "Enforce";
  return result.status === "error" && failurePolicy === "Fail";
}

export interface Answer {
  allowed: boolean;
  message?: string;
  warnings: string[];
}

export function answerOf(
  request: AdmissionRequest,
  results: readonly ImageResult[],
  policies: readonly VerifyImagesPolicy[],
): Answer {
  const outcome = (r: ImageResult, warn: boolean): RuleOutcome => ({
    policy: r.policy,
    rule: r.rule,
    status: r.status,
    message: r.message,
    warn,
  });
  const emitting = new Set(policies.filter((p) => p.emitWarning).map((p) => p.name));
  const failurePolicy = requestFailurePolicy(results);
  const blocking: ImageResult[] = [];
  const rest: ImageResult[] = [];
  for (const r of results) (blocks(r, failurePolicy) ? blocking : rest).push(r);
  const warnings = warningMessages(
    rest.map((r) =>
      outcome(
        r,
        r.warn === true ||
          r.status === "fail" ||
          r.status === "error" ||
          (emitting.has(r.policy) && r.status !== "skip"),
      ),
    ),
  );
  const unique = [...new Set(warnings)];
  if (blocking.length === 0) return { allowed: true, warnings: unique };
  const message = blockedMessage(
    resourceIdentity(request),
    blocking.map((r) => outcome(r, false)),
  );
  return { allowed: false, message, warnings: unique };
}

/** Digest pins for tag-only images verified by an entry with `mutateDigest`, then the annotations. */
export function patchOf(
  request: AdmissionRequest,
  units: readonly Unit[],
  results: readonly ImageResult[],
): JsonPatchOperation[] {
  const pins = new Map<string, JsonPatchOperation>();
  const records: ImageVerificationRecord[] = [];
  units.forEach((unit, i) => {
    const result = results[i];
    if (result === undefined || (result.status !== "pass" && result.status !== "fail")) return;
    const { image } = unit;
    const digest = result.digest;
    if (result.status === "pass" && unit.verification.mutateDigest && digest !== undefined) {
      const pin = digestPinPatch(image, digest);
      if (pin !== undefined && !pins.has(pin.path)) pins.set(pin.path, pin);
    }
    const key =
      result.status === "pass" && digest !== undefined && image.info.digest === ""
        ? `${image.info.registry}/${image.info.path}@${digest}`
        : image.info.reference;
    records.push({
      image: key,
      status: result.status,
      scope: {
        namespace: unit.policy.namespace ?? "",
        policy: unit.policy.name,
        rule: unit.rule.name,
      },
    });
  });
  const object = subjectObject(request);
  return [...pins.values(), ...verifyImagesAnnotationPatches(object, records)];
}
