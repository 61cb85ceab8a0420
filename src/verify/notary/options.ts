/** The verifier's inputs, checked before any envelope byte is read. */

import { type Certificate, parseCertificates } from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import type { SigningScheme } from "./envelope.ts";
import { notaryError } from "./errors.ts";
import type { NotaryTarget } from "./payload.ts";

/** A trust store as notation types it: `ca` for certificate authorities (Kyverno's `certs`). */
export type TrustStoreType = "ca" | "signingAuthority";

export interface VerifyNotaryOptions {
  /** The signature envelope blob (the signature manifest's single layer). */
  readonly envelope: Uint8Array;
  /** That layer's media type: `application/jose+json` or `application/cose`. */
  readonly mediaType: string;
  /** The image's descriptor; the signature must be over exactly this. */
  readonly target: NotaryTarget;
  /** PEM text (one or more certificates) or parsed certificates: roots, intermediates or the signing certificate itself. */
  readonly trustedCertificates: string | readonly Certificate[];
  /** Default "ca": signatures with the notary.x509 scheme. "signingAuthority" trusts notary.x509.signingAuthority ones. */
  readonly trustStoreType?: TrustStoreType;
  /**
   * Trusted timestamping certificates (Kyverno's `tsaCerts`). When given, a
   * verified RFC 3161 countersignature is required and certificates are
   * checked at its time; when absent, a countersignature is not checked and
   * every certificate must be valid at `now` (notation without a TSA trust store).
   */
  readonly timestampCertificates?: string | readonly Certificate[];
  readonly now: Date;
}

/** The scheme each trust store type vouches for (notation loads a store by the signature's scheme). */
export const SCHEME_OF_STORE: Readonly<Record<TrustStoreType, SigningScheme>> = {
  ca: "notary.x509",
  signingAuthority: "notary.x509.signingAuthority",
};

export function checkOptions(options: VerifyNotaryOptions): {
  now: Date;
  target: NotaryTarget;
  storeType: TrustStoreType;
} {
  const { now, target, trustStoreType: storeType = "ca" } = options;
  if (!Object.hasOwn(SCHEME_OF_STORE, storeType)) {
    throw notaryError(
      "OPTIONS_INVALID",
      `trust store type "${storeType}" is not ca or signingAuthority`,
    );
  }
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw notaryError("OPTIONS_INVALID", "`now` must be a valid Date");
  }
  if (
    typeof target?.digest !== "string" ||
    typeof target.mediaType !== "string" ||
    !Number.isSafeInteger(target.size)
  ) {
    throw notaryError("OPTIONS_INVALID", "the image descriptor needs a mediaType, digest and size");
  }
  if (!(options.envelope instanceof Uint8Array)) {
    throw notaryError("OPTIONS_INVALID", "the envelope must be bytes (Uint8Array)");
  }
  return { now, target, storeType };
}

export function trustList(
  input: string | readonly Certificate[],
  what: string,
): readonly Certificate[] {
  let certificates: readonly Certificate[];
  try {
    certificates = typeof input === "string" ? parseCertificates(input, what) : input;
  } catch (err) {
    throw notaryError("OPTIONS_INVALID", reasonOf(err), err);
  }
  if (!Array.isArray(certificates) || certificates.length === 0) {
    throw notaryError("OPTIONS_INVALID", `${what}: none given`);
  }
  return certificates;
}
