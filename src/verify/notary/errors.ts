import { type CodedErrorFactory, codedError } from "../../errors.ts";

/**
 * Machine-readable codes of every way a Notary Project signature can fail to
 * verify. In notation's terms, the first group fails "integrity", UNTRUSTED
 * fails "authenticity", the certificate-time and timestamp codes fail
 * "authenticTimestamp" (or integrity, when checked at the signing time) and
 * SIGNATURE_EXPIRED fails "expiry".
 */
export type NotaryErrorCode =
  /** The envelope media type, signing scheme or payload content type is not one imgverify verifies. */
  | "ENVELOPE_UNSUPPORTED"
  /** Not a well-formed JWS JSON or COSE_Sign1 envelope, too large, or a required header is missing or malformed. */
  | "ENVELOPE_INVALID"
  /** `alg` is not one of PS256/384/512 or ES256/384/512. */
  | "ALGORITHM_UNSUPPORTED"
  /** `alg` is not the algorithm the signing certificate's key calls for. */
  | "ALGORITHM_MISMATCH"
  /** A header marked critical that imgverify does not process (e.g. a verification plugin). */
  | "CRITICAL_HEADER_UNSUPPORTED"
  /** The signature does not verify over the signed bytes with the signing certificate's key. */
  | "SIGNATURE_INVALID"
  /** The payload is not a Notary Project payload with a complete target descriptor. */
  | "PAYLOAD_INVALID"
  /** A certificate that does not parse or breaks the Notary Project certificate requirements. */
  | "CERT_INVALID"
  /** The certificate chain is not an ordered chain from the signing certificate to a self-signed root. */
  | "CHAIN_INVALID"
  /** A certificate expired before the time it was checked at (signing, timestamp or verification time). */
  | "CERT_EXPIRED"
  /** A certificate not yet valid at the time it was checked at. */
  | "CERT_NOT_YET_VALID"
  /** No certificate of the chain is one of the trusted certificates, or the trust store type does not fit the signing scheme. */
  | "UNTRUSTED"
  /** The verifier's own inputs are unusable: trusted certificates, timestamp certificates, the time or the image descriptor. */
  | "OPTIONS_INVALID"
  /** The signer's expiry time (`io.cncf.notary.expiry`) has passed. */
  | "SIGNATURE_EXPIRED"
  /** The signed target descriptor is not the image's descriptor. */
  | "TARGET_MISMATCH"
  /** Timestamp certificates are configured but the envelope carries no RFC 3161 countersignature. */
  | "TIMESTAMP_MISSING"
  /** The countersignature is malformed, not over this signature, or its signature does not verify. */
  | "TIMESTAMP_INVALID"
  /** The countersignature's certificate does not chain to a trusted timestamping certificate. */
  | "TIMESTAMP_UNTRUSTED";

export const notaryError: CodedErrorFactory<NotaryErrorCode> = codedError;
