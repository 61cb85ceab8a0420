import { type CodedErrorFactory, codedError } from "../../errors.ts";

/** Machine-readable codes of every way a Sigstore bundle can fail to verify. */
export type BundleErrorCode =
  /** Not JSON, too large, an unknown media type, or fields the bundle format requires are missing. */
  | "BUNDLE_INVALID"
  /** The trusted root is malformed or incomplete (e.g. an authority without a validity start). */
  | "TRUST_ROOT_INVALID"
  /** The policy itself is unusable: a bad regular expression or public key, or neither given. */
  | "POLICY_INVALID"
  /** The bundle's verification material does not suit the policy (key policy, certificate bundle or the reverse). */
  | "POLICY_MISMATCH"
  /** The artifact digest is not `sha256:` followed by 64 hex digits. */
  | "ARTIFACT_INVALID"
  /** The message digest in the bundle is not the artifact's digest. */
  | "ARTIFACT_MISMATCH"
  /** The DSSE payload is not a well-formed in-toto statement. */
  | "STATEMENT_INVALID"
  /** No subject of the in-toto statement carries the artifact's digest. */
  | "SUBJECT_MISMATCH"
  /** The signature does not verify over the artifact or envelope with the signer's key. */
  | "SIGNATURE_INVALID"
  /** The signing certificate does not chain to a trusted CA at the signing time, or lacks SCTs. */
  | "CERTIFICATE_INVALID"
  /** The managed public key is not usable for the signing time. */
  | "KEY_INVALID"
  /** A transparency log entry is missing, unproven, untrusted or does not match the signature. */
  | "TLOG_INVALID"
  /** Too few trusted timestamps, or a timestamp that does not verify. */
  | "TIMESTAMP_INVALID"
  /** The certificate's identity or issuer is not the one the policy asks for. */
  | "IDENTITY_MISMATCH"
  /** A combination this verifier cannot check, e.g. a digest-only artifact with an Ed25519 key. */
  | "UNSUPPORTED";

export const bundleError: CodedErrorFactory<BundleErrorCode> = codedError;
