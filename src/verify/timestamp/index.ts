/**
 * RFC 3161 signed timestamps: a TimeStampToken (or a TSA's whole response)
 * parsed from strict DER and checked against the bytes it stamps and a set of
 * trusted TSA certificates. Shared by every verifier that accepts a timestamp:
 * Notary countersignatures and cosign's `rfc3161timestamp` annotation. Pure:
 * bytes and certificates in, a verified time or
 * `ImgverifyError<TimestampErrorCode>` out.
 */
export { type TimestampErrorCode, timestampError } from "./errors.ts";
export { tokenOfResponse } from "./response.ts";
export { parseTimestampToken, type TimestampToken } from "./token.ts";
export {
  MAX_TSA_CHAIN_CERTIFICATES,
  type TimestampTrust,
  timestampTrust,
} from "./trust.ts";
export {
  type TimestampOptions,
  type VerifiedTimestamp,
  verifyTimestamp,
} from "./verify.ts";
