/**
 * Kyverno's image functions for ImageValidatingPolicy CEL:
 * `verifyImageSignatures(image, [attestors])` and
 * `verifyAttestationSignatures(image, attestation, [attestors])` count the
 * attestors whose evidence verified, `extractPayload(image, attestation)` is
 * the verified in-toto statement, `getImageData(image)` the image's
 * manifest and config. The checks run before the CEL does (all
 * at once, over the request's store); these functions only read their
 * outcomes, through the `ImageEvidence` the evaluation is given. CEL
 * evaluation is synchronous, so the evidence of the evaluation in progress
 * is held in one slot for its duration.
 */
import { type CelFunc, CelScalar, celFunc, isCelMap, listType } from "@bufbuild/cel";
import { ImgverifyError } from "../../errors.ts";
import { toCel } from "../cel/evaluate.ts";
import { EvaluationSlot } from "../evaluation-slot.ts";

/** What the checks established for the images of one admission. */
export interface ImageEvidence {
  /** Attestors (by name) whose signatures of `image` verified; undefined when the image was not checked. */
  signedBy(image: string, attestors: readonly string[]): number;
  attestedBy(image: string, attestation: string, attestors: readonly string[]): number;
  /** The verified statement of `attestation` about `image`; throws when none verified. */
  payload(image: string, attestation: string): unknown;
  /** Kyverno's image data of `image` (reference parts, digest, manifest, config); throws when there is none. */
  imageData(image: string): unknown;
}

const slot = new EvaluationSlot<ImageEvidence>();

/** Runs `evaluate` with `evidence` behind the image functions. */
export function withImageEvidence<T>(evidence: ImageEvidence, evaluate: () => T): T {
  return slot.with(evidence, evaluate);
}

function evidence(): ImageEvidence {
  const current = slot.current;
  if (current === undefined) {
    throw new ImgverifyError("CEL_FAILED", "image functions are only available in validations");
  }
  return current;
}

/** An attestor or attestation argument: its name, or a map with a `name`. */
function nameOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (isCelMap(value) && typeof value.get("name") === "string") return value.get("name") as string;
  throw new Error("expected an attestor or attestation (attestors.NAME, attestations.NAME)");
}

export const imageFunctionDeclarations: readonly CelFunc[] = [
  celFunc(
    "verifyImageSignatures",
    [CelScalar.STRING, listType(CelScalar.DYN)],
    CelScalar.INT,
    (image, attestors) => BigInt(evidence().signedBy(image, [...attestors].map(nameOf))),
  ),
  celFunc(
    "verifyAttestationSignatures",
    [CelScalar.STRING, CelScalar.DYN, listType(CelScalar.DYN)],
    CelScalar.INT,
    (image, attestation, attestors) =>
      BigInt(evidence().attestedBy(image, nameOf(attestation), [...attestors].map(nameOf))),
  ),
  celFunc("getImageData", [CelScalar.STRING], CelScalar.DYN, (image) =>
    toCel(evidence().imageData(image)),
  ),
  celFunc(
    "extractPayload",
    [CelScalar.STRING, CelScalar.DYN],
    CelScalar.DYN,
    (image, attestation) => toCel(evidence().payload(image, nameOf(attestation))),
  ),
];
