import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { cryptoError } from "./errors.ts";

/** The digests signatures are checked with: Kyverno's `signatureAlgorithm` minus sha224, which WebCrypto lacks. */
export type HashName = "sha256" | "sha384" | "sha512";

export interface HashSpec {
  readonly name: HashName;
  /** The WebCrypto algorithm name. */
  readonly webCrypto: "SHA-256" | "SHA-384" | "SHA-512";
  /** Digest length in bytes. */
  readonly bytes: number;
  /** The pure JS digest, for the @noble fallback. */
  readonly digest: (data: Uint8Array) => Uint8Array;
}

const HASHES: Record<HashName, HashSpec> = {
  sha256: { name: "sha256", webCrypto: "SHA-256", bytes: 32, digest: sha256 },
  sha384: { name: "sha384", webCrypto: "SHA-384", bytes: 48, digest: sha384 },
  sha512: { name: "sha512", webCrypto: "SHA-512", bytes: 64, digest: sha512 },
};

/** The spec of `name`; anything else (sha1, sha224, a typo) is `ALGORITHM_UNSUPPORTED`. */
export function hashSpec(name: unknown): HashSpec {
  if (typeof name === "string" && Object.hasOwn(HASHES, name)) return HASHES[name as HashName];
  throw cryptoError(
    "ALGORITHM_UNSUPPORTED",
    `hash ${JSON.stringify(name)} is not supported; use sha256, sha384 or sha512`,
  );
}
