/**
 * Classic cosign verification (`.sig` and `.att` manifests): pure functions
 * from one layer's bytes and annotations, a policy and trust material to a
 * typed result or `ImgverifyError<CosignErrorCode>`. Fetching the manifests
 * and layers is the caller's business.
 */
// A public-API list, alike in shape to verify/notary/index.ts's: a known look-alike to `duplicates`.
// Identity patterns are Kyverno wildcards; callers matching them elsewhere use the same function.
export { wildcardMatch } from "../match.ts";
export type { CosignErrorCode } from "./errors.ts";
export type { IdentityPolicy } from "./identity.ts";
export {
  BUNDLE_ANNOTATION,
  CERTIFICATE_ANNOTATION,
  CHAIN_ANNOTATION,
  type LayerAnnotations,
  MAX_ATTESTATION_LAYER_BYTES,
  MAX_SIGNATURE_LAYER_BYTES,
  SIGNATURE_ANNOTATION,
} from "./layer.ts";
export {
  type CertificatePolicy,
  type CosignPolicy,
  type CtlogOptions,
  type KeylessPolicy,
  type KeyPolicy,
  type PreparedCosignPolicy,
  prepareCosignPolicy,
  type RekorOptions,
} from "./policy.ts";
export type { CosignSigner } from "./signer.ts";
export {
  type CertificateAuthority,
  type CosignTrust,
  type LogKey,
  lazyCosignTrust,
  prepareCosignTrust,
  type TimeRange,
} from "./trusted-root.ts";
export {
  type CosignAttestationResult,
  type VerifyCosignAttestationOptions,
  verifyCosignAttestation,
} from "./verify-attestation.ts";
export type { CosignTlogEntry } from "./verify-layer.ts";
export {
  type CosignSignatureResult,
  type VerifyCosignSignatureOptions,
  verifyCosignSignature,
} from "./verify-signature.ts";
