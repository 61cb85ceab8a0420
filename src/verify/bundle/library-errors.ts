import { ValidationError } from "@sigstore/bundle";
import { PolicyError, VerificationError } from "@sigstore/verify";
import { type ImgverifyError, isImgverifyError } from "../../errors.ts";
import { type BundleErrorCode, bundleError } from "./errors.ts";

/** `@sigstore/verify` error codes by the code imgverify reports for them (a Map: no inherited names). */
const VERIFICATION_CODES: ReadonlyMap<string, BundleErrorCode> = new Map([
  ["TLOG_ERROR", "TLOG_INVALID"],
  ["TLOG_INCLUSION_PROOF_ERROR", "TLOG_INVALID"],
  ["TLOG_INCLUSION_PROMISE_ERROR", "TLOG_INVALID"],
  ["TLOG_MISSING_INCLUSION_ERROR", "TLOG_INVALID"],
  ["TLOG_BODY_ERROR", "TLOG_INVALID"],
  ["CERTIFICATE_ERROR", "CERTIFICATE_INVALID"],
  ["PUBLIC_KEY_ERROR", "KEY_INVALID"],
  ["SIGNATURE_ERROR", "SIGNATURE_INVALID"],
  ["TIMESTAMP_ERROR", "TIMESTAMP_INVALID"],
  ["NOT_IMPLEMENTED_ERROR", "UNSUPPORTED"],
]);

/**
 * Our error for whatever the Sigstore libraries threw while `step` ran, the
 * library error kept as `cause`. Errors of ours pass through unchanged.
 * Anything unrecognised comes from data the parsers could not read.
 */
export function fromLibraryError(err: unknown, step: string): ImgverifyError<BundleErrorCode> {
  if (isImgverifyError<BundleErrorCode>(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof VerificationError) {
    const code = VERIFICATION_CODES.get(err.code) ?? "SIGNATURE_INVALID";
    return bundleError(code, `${step} failed: ${detail}`, err);
  }
  if (err instanceof PolicyError) {
    return bundleError("IDENTITY_MISMATCH", `${step} failed: ${detail}`, err);
  }
  if (err instanceof ValidationError) {
    return bundleError("BUNDLE_INVALID", `${step} failed: ${err.fields.join(", ")}`, err);
  }
  return bundleError("BUNDLE_INVALID", `${step} failed on malformed bundle data: ${detail}`, err);
}
