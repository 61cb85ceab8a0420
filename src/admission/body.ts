import { decodeAdmissionReview, uidOf } from "./decode.ts";
import { AdmissionError, isAdmissionError } from "./errors.ts";
import { isObject } from "./fields.ts";
import { type AdmissionReviewResponse, encodeAdmissionResponse } from "./response.ts";
import { ADMISSION_API_VERSION, type AdmissionRequest } from "./review-types.ts";

/**
 * From the HTTP body to a request, or to what to answer instead. The API server
 * sent the AdmissionReview from a request with a uid; answering that uid with a
 * denial that says what is wrong fails closed and tells the user why, where an
 * HTTP error would leave the verdict to the webhook's failurePolicy (which may
 * be Ignore).
 */

/** Bodies longer than this (in UTF-16 units) are refused unread; object + oldObject fit easily. */
export const MAX_BODY_LENGTH: number = 8 * 1024 * 1024;

/** The versions whose answer has the v1 shape, so a denial can be sent in the version asked for. */
const ANSWERABLE_VERSIONS: readonly string[] = [ADMISSION_API_VERSION, "admission.k8s.io/v1beta1"];

export type DecodedBody =
  | { readonly ok: true; readonly request: AdmissionRequest }
  | {
      readonly ok: false;
      readonly error: AdmissionError;
      /** A denial to send with HTTP 200 when the review named its uid; otherwise answer 4xx with `error.toJSON()`. */
      readonly reply: AdmissionReviewResponse | undefined;
    };

export function decodeAdmissionBody(text: string): DecodedBody {
  if (text.length > MAX_BODY_LENGTH) {
    return refused(bodyInvalid(`the body is longer than ${MAX_BODY_LENGTH} characters`));
  }
  if (text.trim() === "") return refused(bodyInvalid("the body is empty"));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return refused(bodyInvalid(`the body is not JSON${detail}`, cause));
  }
  try {
    return { ok: true, request: decodeAdmissionReview(parsed) };
  } catch (err) {
    if (!isAdmissionError(err)) throw err;
    return refused(err, parsed);
  }
}

function refused(error: AdmissionError, parsed?: unknown): DecodedBody {
  const envelope = isObject(parsed) ? parsed : {};
  const uid = uidOf(envelope.request);
  const version = envelope.apiVersion;
  const answerable = typeof version === "string" && ANSWERABLE_VERSIONS.includes(version);
  const reply =
    uid === undefined || !answerable
      ? undefined
      : encodeAdmissionResponse(
          {
            uid,
            allowed: false,
            status: { code: 400, reason: "BadRequest", message: `imgverify: ${error.message}` },
          },
          version,
        );
  return { ok: false, error, reply };
}

function bodyInvalid(message: string, cause?: unknown): AdmissionError {
  return new AdmissionError("BODY_INVALID", message, { cause });
}
