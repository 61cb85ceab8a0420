import { type CodedErrorFactory, codedError } from "../../errors.ts";

/**
 * Codes of the image checks themselves. A check that finds signatures but
 * none that verifies reports the verifier's own code (e.g. `SIGNATURE_INVALID`,
 * `IDENTITY_MISMATCH`) when every failure shares it, else `NOT_VERIFIED`.
 */
export type CheckErrorCode =
  /** No signature of a format the policy can verify is stored for the image. */
  | "NO_SIGNATURES"
  /** No attestation of the asked predicate type is stored for the image. */
  | "NO_ATTESTATIONS"
  /** Signatures or attestations were found, and each failed for its own reason. */
  | "NOT_VERIFIED"
  /** More signature artifacts than the check examines (`CheckLimits.maxArtifacts`). */
  | "TOO_MANY_ARTIFACTS"
  /** A signature manifest or layer that is not what its format prescribes. */
  | "ARTIFACT_INVALID"
  /** The trust policy cannot be used: no key, a key that is not a PEM public key, a format that cannot use it. */
  | "POLICY_INVALID"
  /** A Sigstore bundle's certificate identity is not the one the keyless policy names. */
  | "IDENTITY_MISMATCH"
  /** A cosign signature verified, but its payload lacks the annotations the policy requires. */
  | "ANNOTATION_MISMATCH";

export const checkError: CodedErrorFactory<CheckErrorCode> = codedError;
