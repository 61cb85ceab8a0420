import { codedError, ImgverifyError } from "../../errors.ts";

/** Codes of trusted-root handling (a subset of `BundleErrorCode`). */
export type TrustRootErrorCode = "TRUST_ROOT_INVALID";

export function trustRootError(
  message: string,
  cause?: unknown,
): ImgverifyError<TrustRootErrorCode> {
  return codedError("TRUST_ROOT_INVALID", message, cause);
}
