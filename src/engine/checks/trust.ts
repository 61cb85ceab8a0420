import { type CosignTrust, prepareCosignTrust } from "../../verify/cosign/index.ts";
import { type PreparedTrustedRoot, prepareTrustedRoot } from "../../verify/trust/trusted-root.ts";

/** One Sigstore `trusted_root.json`, prepared once for each verifier that reads it. */
export interface TrustMaterial {
  /** For Sigstore bundles. */
  readonly sigstore: PreparedTrustedRoot;
  /** For classic cosign signatures and attestations. */
  readonly cosign: CosignTrust;
}

/** Prepares a parsed `trusted_root.json`; throws `TRUST_ROOT_INVALID` listing its problems. */
export function prepareTrustMaterial(trustedRoot: unknown): TrustMaterial {
  return { sigstore: prepareTrustedRoot(trustedRoot), cosign: prepareCosignTrust(trustedRoot) };
}
