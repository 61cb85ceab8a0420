export { type ArtifactInput, isSha256Digest } from "./artifact.ts";
export {
  productionTrustedRoot,
  runVerifyBundleCommand,
  VERIFY_BUNDLE_USAGE_CODES,
  type VerifyBundleFlags,
  type VerifyBundleIo,
} from "./command.ts";
export { type BundleErrorCode, bundleError } from "./errors.ts";
export { type BundleInput, MAX_BUNDLE_BYTES } from "./parse.ts";
export type { BundlePolicy, CertificateSigner, IdentityPolicy } from "./policy.ts";
export type { InTotoStatement, InTotoSubject } from "./statement.ts";
export { policyTimestampAuthority } from "./timestamp-authority.ts";
export {
  type BundleSigner,
  type BundleVerification,
  type VerifyBundleOptions,
  verifyBundle,
} from "./verify.ts";
