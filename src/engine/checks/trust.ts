import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type CosignTrust,
  lazyCosignTrust,
  prepareCosignTrust,
} from "../../verify/cosign/index.ts";
import { type PreparedTrustedRoot, prepareTrustedRoot } from "../../verify/trust/trusted-root.ts";

/** One Sigstore `trusted_root.json`, prepared once for each verifier that reads it. */
export interface TrustMaterial {
  /** For Sigstore bundles. */
  readonly sigstore: PreparedTrustedRoot;
  /** For classic cosign signatures and attestations. */
  readonly cosign: CosignTrust;
  /**
   * Hex SHA-256 of the root's JSON text: the same root gives the same id in
   * every process and isolate, so a cache they share keys results by it.
   */
  readonly id?: string;
}

/** Prepares a parsed `trusted_root.json`; throws `TRUST_ROOT_INVALID` listing its problems. */
export function prepareTrustMaterial(trustedRoot: unknown): TrustMaterial {
  return {
    sigstore: prepareTrustedRoot(trustedRoot),
    cosign: prepareCosignTrust(trustedRoot),
    id: trustRootId(trustedRoot),
  };
}

/**
 * The same material, each part prepared at its first use: for a root that
 * `prepareTrustMaterial` has already accepted (the Worker's, at build time),
 * so an isolate's first admission pays only for the parts its policies use.
 */
export function lazyTrustMaterial(
  trustedRoot: unknown,
  id: string = trustRootId(trustedRoot),
): TrustMaterial {
  let sigstore: PreparedTrustedRoot | undefined;
  return {
    get sigstore() {
      sigstore ??= prepareTrustedRoot(trustedRoot);
      return sigstore;
    },
    cosign: lazyCosignTrust(trustedRoot),
    id,
  };
}

/** The root's content id (`TrustMaterial.id`): computed once at build time for the Worker. */
export function trustRootId(trustedRoot: unknown): string {
  return bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(trustedRoot) ?? "null")));
}
