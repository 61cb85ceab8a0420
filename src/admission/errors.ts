import { ImgverifyError } from "../errors.ts";

/** Machine-readable codes of every failure the admission module reports. */
export type AdmissionErrorCode =
  /** The HTTP body is empty, too large or not JSON. */
  | "BODY_INVALID"
  /** The AdmissionReview is malformed; `issues` lists every bad field. */
  | "REVIEW_INVALID"
  /** A patch that cannot be built (a digest that is not one, a path that is not a JSON pointer). */
  | "PATCH_INVALID"
  /** Applying a JSON patch failed: a missing path, a failed `test`. */
  | "PATCH_FAILED"
  /** The AdmissionReview answer would exceed its bound. */
  | "RESPONSE_TOO_LARGE";

/** One bad field: `path` is its place in the review, e.g. `request.userInfo.groups[1]`. */
export interface AdmissionIssue {
  readonly path: string;
  readonly message: string;
}

export interface AdmissionErrorDetails {
  readonly issues?: readonly AdmissionIssue[];
  /** `request.uid`, when the body got far enough to name it: the answer can then be an AdmissionReview. */
  readonly uid?: string;
  readonly cause?: unknown;
}

export class AdmissionError extends ImgverifyError<AdmissionErrorCode> {
  readonly issues: readonly AdmissionIssue[];
  readonly uid: string | undefined;

  constructor(code: AdmissionErrorCode, message: string, details: AdmissionErrorDetails = {}) {
    super(code, message, { cause: details.cause });
    this.name = "AdmissionError";
    this.issues = details.issues ?? [];
    this.uid = details.uid;
  }

  override toJSON(): {
    code: AdmissionErrorCode;
    message: string;
    issues?: readonly AdmissionIssue[];
  } {
    return { ...super.toJSON(), ...(this.issues.length > 0 && { issues: this.issues }) };
  }
}

/** True when `err` is an `AdmissionError`, optionally with one of `codes`. */
export function isAdmissionError(
  err: unknown,
  ...codes: AdmissionErrorCode[]
): err is AdmissionError {
  return err instanceof AdmissionError && (codes.length === 0 || codes.includes(err.code));
}
