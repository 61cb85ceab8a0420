/**
 * The six signature algorithms of the Notary Project and the rule that ties
 * each to a kind and size of signing key (signature specification, "Algorithm
 * Selection"): the key decides the algorithm, and `alg` must say the same, so
 * no one can swap in a weaker algorithm for the same key.
 */
import type { EcCurve, HashName, PublicKey } from "../../crypto/index.ts";
import { notaryError } from "./errors.ts";

export type NotaryAlgorithmName = "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512";

export interface NotaryAlgorithm {
  /** The JWS `alg` value. */
  readonly name: NotaryAlgorithmName;
  /** The COSE `alg` value (RFC 9053 / IANA COSE Algorithms). */
  readonly coseId: number;
  readonly hash: HashName;
  /** RSA modulus bits or the ECDSA curve the signing key must have. */
  readonly key:
    | { readonly kind: "rsa"; readonly bits: number }
    | { readonly kind: "ecdsa"; readonly curve: EcCurve };
}

const ALGORITHMS: readonly NotaryAlgorithm[] = [
  { name: "PS256", coseId: -37, hash: "sha256", key: { kind: "rsa", bits: 2048 } },
  { name: "PS384", coseId: -38, hash: "sha384", key: { kind: "rsa", bits: 3072 } },
  { name: "PS512", coseId: -39, hash: "sha512", key: { kind: "rsa", bits: 4096 } },
  { name: "ES256", coseId: -7, hash: "sha256", key: { kind: "ecdsa", curve: "P-256" } },
  { name: "ES384", coseId: -35, hash: "sha384", key: { kind: "ecdsa", curve: "P-384" } },
  { name: "ES512", coseId: -36, hash: "sha512", key: { kind: "ecdsa", curve: "P-521" } },
];

/** The algorithm named by a JWS `alg` string; anything else (none, HS256, RS256...) is refused. */
export function algorithmFromJws(alg: unknown): NotaryAlgorithm {
  const found = ALGORITHMS.find((algorithm) => algorithm.name === alg);
  if (found === undefined) {
    throw notaryError(
      "ALGORITHM_UNSUPPORTED",
      `JWS alg ${JSON.stringify(alg)} is not a Notary Project algorithm (PS256, PS384, PS512, ES256, ES384, ES512)`,
    );
  }
  return found;
}

/** The algorithm named by a COSE `alg` label value. */
export function algorithmFromCose(alg: unknown): NotaryAlgorithm {
  const found = ALGORITHMS.find((algorithm) => algorithm.coseId === alg);
  if (found === undefined) {
    throw notaryError(
      "ALGORITHM_UNSUPPORTED",
      `COSE alg ${String(alg)} is not a Notary Project algorithm (-37, -38, -39, -7, -35, -36)`,
    );
  }
  return found;
}

/** The one algorithm a key may sign with; undefined for keys the Notary Project does not use. */
export function algorithmForKey(key: PublicKey): NotaryAlgorithm | undefined {
  return ALGORITHMS.find(({ key: wanted }) =>
    wanted.kind === "rsa"
      ? key.kind === "rsa" && key.bits === wanted.bits
      : key.kind === "ecdsa" && key.curve === wanted.curve,
  );
}
