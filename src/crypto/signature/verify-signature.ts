import { cryptoError } from "../errors.ts";
import { type HashName, type HashSpec, hashSpec } from "../hash.ts";
import {
  describePublicKey,
  EC_FIELD_BYTES,
  type PublicKey,
  type RsaPublicKey,
} from "../public-key.ts";
import { ecdsaDerToP1363 } from "./ecdsa-signature.ts";
import {
  defaultSignatureEngine,
  type RsaPadding,
  type SignatureEngine,
  type VerifyRequest,
} from "./engine.ts";

export type EcdsaSignatureFormat = "der" | "p1363";

export interface VerifyOptions {
  /**
   * The digest for ECDSA and RSA (Kyverno's `signatureAlgorithm`); default
   * "sha256". Ignored for Ed25519, which is pure EdDSA over the data itself, as
   * cosign ignores it for Ed25519 keys.
   */
  hash?: HashName;
  /** RSA only; default "pkcs1v15". */
  rsaPadding?: RsaPadding;
  /**
   * RSA-PSS salt length in bytes; default "auto". Go's verifiers (cosign) take
   * any salt ("auto"), which WebCrypto cannot express: "auto" accepts the two
   * lengths signers use, the digest length (sigstore, JWS PS256/384/512) and
   * the maximum (Go's and OpenSSL's signing default), trying them in that order.
   */
  pssSaltLength?: number | "auto";
  /** ECDSA only: "der" (cosign, X.509; default) or "p1363" r||s (JWS, COSE). */
  ecdsaFormat?: EcdsaSignatureFormat;
  /** Default: the shared engine over this runtime's WebCrypto with the @noble fallback. */
  engine?: SignatureEngine;
}

/**
 * Checks `signature` over `data` with `key`. Resolves false when the signature
 * does not match; rejects with a coded error when the signature is malformed
 * for the key (`SIGNATURE_MALFORMED`) or an option is not supported
 * (`ALGORITHM_UNSUPPORTED`).
 */
export async function verifySignature(
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): Promise<boolean> {
  const request = prepareRequest(key, data, signature, options);
  return (options.engine ?? defaultSignatureEngine()).verify(request);
}

function prepareRequest(
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions,
): VerifyRequest {
  if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    throw cryptoError(
      "SIGNATURE_MALFORMED",
      "the data and the signature must be bytes (Uint8Array)",
    );
  }
  const what = `${describePublicKey(key)} signature`;
  const hash = hashSpec(options.hash ?? "sha256");
  const rsaPadding = options.rsaPadding ?? "pkcs1v15";
  if (rsaPadding !== "pkcs1v15" && rsaPadding !== "pss") {
    throw cryptoError(
      "ALGORITHM_UNSUPPORTED",
      `RSA padding ${JSON.stringify(rsaPadding)} is not supported; use pkcs1v15 or pss`,
    );
  }
  let normalized = signature;
  let pssSaltLengths: number[] = [];
  switch (key.kind) {
    case "ecdsa":
      normalized = ecdsaSignature(
        signature,
        EC_FIELD_BYTES[key.curve],
        options.ecdsaFormat ?? "der",
        what,
      );
      break;
    case "ed25519":
      if (signature.length !== 64) {
        throw cryptoError(
          "SIGNATURE_MALFORMED",
          `${what}: ${signature.length} bytes, Ed25519 signatures have 64`,
        );
      }
      break;
    case "rsa": {
      const modulusBytes = Math.ceil(key.bits / 8);
      if (signature.length !== modulusBytes) {
        throw cryptoError(
          "SIGNATURE_MALFORMED",
          `${what}: ${signature.length} bytes, expected ${modulusBytes}`,
        );
      }
      if (rsaPadding === "pss")
        pssSaltLengths = pssSalts(key, hash, options.pssSaltLength ?? "auto");
      break;
    }
  }
  return { key, data, signature: normalized, hash, rsaPadding, pssSaltLengths };
}

function ecdsaSignature(
  signature: Uint8Array,
  fieldBytes: number,
  format: EcdsaSignatureFormat,
  what: string,
): Uint8Array {
  if (format === "der") return ecdsaDerToP1363(signature, fieldBytes);
  if (format !== "p1363") {
    throw cryptoError(
      "ALGORITHM_UNSUPPORTED",
      `ECDSA signature format ${JSON.stringify(format)}; use der or p1363`,
    );
  }
  if (signature.length !== 2 * fieldBytes) {
    throw cryptoError(
      "SIGNATURE_MALFORMED",
      `${what}: ${signature.length} bytes, expected r||s of ${2 * fieldBytes}`,
    );
  }
  return signature;
}

/** The salt lengths to try (RFC 8017 9.1: at most emLen - hLen - 2). */
function pssSalts(key: RsaPublicKey, hash: HashSpec, choice: number | "auto"): number[] {
  const maxSalt = Math.ceil((key.bits - 1) / 8) - hash.bytes - 2;
  if (choice === "auto") return maxSalt === hash.bytes ? [hash.bytes] : [hash.bytes, maxSalt];
  if (!Number.isInteger(choice) || choice < 0 || choice > maxSalt) {
    throw cryptoError(
      "ALGORITHM_UNSUPPORTED",
      `RSA-PSS salt length ${JSON.stringify(choice)} is not possible with ${describePublicKey(key)} and ${hash.name} (0 to ${maxSalt})`,
    );
  }
  return [choice];
}
