import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { bundleError } from "./errors.ts";

export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

/**
 * What was signed: its bytes, or only its digest as `ALG:<hex>` with ALG one
 * of sha256, sha384, sha512 (message signatures and the in-toto subjects of
 * npm provenance use the latter two too).
 */
export type ArtifactInput = { bytes: Uint8Array } | { digest: string };

export interface ResolvedArtifact {
  /** Present when the caller gave the bytes. */
  bytes?: Uint8Array;
  /** The digest with `algorithm`; undefined when only a digest of another algorithm is known. */
  digest(algorithm: DigestAlgorithm): Uint8Array | undefined;
  /** `ALG:<hex>` for messages. */
  readonly label: string;
}

const HASHES = { sha256, sha384, sha512 } as const;
const HEX_LENGTHS: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST_PATTERN = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/;

/** True for `sha256:` followed by 64 hex digits, the form the conformance protocol names. */
export function isSha256Digest(text: string): boolean {
  return /^sha256:[0-9a-fA-F]{64}$/.test(text);
}

export function resolveArtifact(artifact: ArtifactInput): ResolvedArtifact {
  if ("bytes" in artifact) {
    const { bytes } = artifact;
    const cache = new Map<DigestAlgorithm, Uint8Array>();
    const digest = (algorithm: DigestAlgorithm): Uint8Array => {
      const cached = cache.get(algorithm);
      if (cached !== undefined) return cached;
      const value = HASHES[algorithm](bytes);
      cache.set(algorithm, value);
      return value;
    };
    return { bytes, digest, label: `sha256:${bytesToHex(digest("sha256"))}` };
  }
  const match = DIGEST_PATTERN.exec(artifact.digest);
  const algorithm = match?.[1] as DigestAlgorithm | undefined;
  const hex = match?.[2]?.toLowerCase();
  if (algorithm === undefined || hex === undefined || hex.length !== HEX_LENGTHS[algorithm]) {
    throw bundleError(
      "ARTIFACT_INVALID",
      `artifact digest ${JSON.stringify(artifact.digest)} is not sha256:, sha384: or sha512: with its hex digits`,
    );
  }
  const value = hexToBytes(hex);
  return {
    digest: (wanted) => (wanted === algorithm ? value : undefined),
    label: `${algorithm}:${hex}`,
  };
}
