import { cryptoError } from "../errors.ts";
import { describePublicKey, type PublicKey } from "../public-key.ts";
import type { SignatureEngine } from "../signature/engine.ts";
import { verifySignature } from "../signature/verify-signature.ts";
import type { Certificate } from "./certificate.ts";

/**
 * Whether `issuerKey` signed `cert` (its TBS bytes, with the certificate's own
 * signature algorithm). `ALGORITHM_UNSUPPORTED` when the algorithm is not one
 * imgverify checks (SHA-1, DSA, ...) or does not fit the key.
 */
export async function verifyCertificateSignature(
  cert: Certificate,
  issuerKey: PublicKey,
  engine?: SignatureEngine,
): Promise<boolean> {
  const { name, check } = cert.signatureAlgorithm;
  if (check === undefined) {
    throw cryptoError(
      "ALGORITHM_UNSUPPORTED",
      `${cert.describe()}: signature algorithm ${name} is not supported`,
    );
  }
  if (check.keyKind !== issuerKey.kind) {
    throw cryptoError(
      "ALGORITHM_UNSUPPORTED",
      `${cert.describe()}: signature algorithm ${name} does not fit the ${describePublicKey(issuerKey)}`,
    );
  }
  return verifySignature(issuerKey, cert.tbs, cert.signature, {
    hash: check.hash,
    rsaPadding: check.rsaPadding,
    pssSaltLength: check.pssSaltLength,
    engine,
  });
}
