/**
 * Notary Project (notation) signature verification: JWS and COSE envelopes,
 * the notary.x509 certificate chain rules, trust by certificate, expiry and
 * RFC 3161 timestamps. Pure: envelope bytes and trust material in, a typed
 * result or `ImgverifyError<NotaryErrorCode>` out; finding and fetching the
 * signature manifests is the caller's job.
 */

export type { NotaryAlgorithmName } from "./algorithms.ts";
export type { NotaryTimestampOutcome } from "./authentic-time.ts";
export {
  COSE_MEDIA_TYPE,
  JWS_MEDIA_TYPE,
  MAX_CHAIN_CERTIFICATES,
  MAX_ENVELOPE_BYTES,
  PAYLOAD_MEDIA_TYPE,
  SIGNATURE_ARTIFACT_TYPE,
  type SigningScheme,
} from "./envelope.ts";
export { type NotaryErrorCode, notaryError } from "./errors.ts";
export type { TrustStoreType, VerifyNotaryOptions } from "./options.ts";
export type { NotaryTarget, SignedTarget } from "./payload.ts";
export { type NotaryResult, verifyNotarySignature } from "./verify.ts";
