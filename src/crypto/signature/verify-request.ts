/**
 * One signature check with every option resolved, as `verifySignature` builds
 * it for the engine and its two verifiers (below all three, so none imports
 * another for its shape).
 */
import type { HashSpec } from "../hash.ts";
import type { PublicKey } from "../public-key.ts";

export type RsaPadding = "pkcs1v15" | "pss";

/** A signature check with every option resolved; built by `verifySignature`. */
export interface VerifyRequest {
  readonly key: PublicKey;
  readonly data: Uint8Array;
  /** ECDSA: IEEE P1363 r||s. Ed25519: 64 bytes. RSA: as many bytes as the modulus. */
  readonly signature: Uint8Array;
  /** The message digest for ECDSA and RSA; unused by Ed25519. */
  readonly hash: HashSpec;
  readonly rsaPadding: RsaPadding;
  /** RSA-PSS: the salt lengths accepted, tried in order. */
  readonly pssSaltLengths: readonly number[];
}
