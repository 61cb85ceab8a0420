/**
 * RFC 3161 signed timestamps: a TimeStampToken parsed from strict DER and
 * checked against the bytes it stamps and a set of trusted TSA certificates.
 * Shared by every verifier that accepts a timestamp (Notary countersignatures
 * today). Pure: bytes and certificates in, a verified time or
 * `ImgverifyError<TimestampErrorCode>` out.
 */
export { type TimestampErrorCode, timestampError } from "./errors.ts";
export { parseTimestampToken, type TimestampToken } from "./token.ts";
export {
  type TimestampOptions,
  type VerifiedTimestamp,
  verifyTimestamp,
} from "./verify.ts";
