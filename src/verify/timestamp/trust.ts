/**
 * A TSA chain as a policy gives it (Kyverno's `ctlog.tsaCertChain`): PEM
 * certificates sorted the way Kyverno sorts them before cosign sees them.
 * The one certificate that is not a CA is the TSA's own, self-issued CAs are
 * the roots, every other CA an intermediate.
 */
import { bytesEqual, type Certificate } from "../../crypto/index.ts";

export interface TimestampTrust {
  /** The TSA's own certificate, when the chain holds it: the token's signer must be it. */
  readonly authority: Certificate | undefined;
  readonly intermediates: readonly Certificate[];
  readonly roots: readonly Certificate[];
}

/** Kyverno's bound: ten intermediates, the TSA's certificate and a root. */
export const MAX_TSA_CHAIN_CERTIFICATES = 12;

/** Sorts `chain`; throws a plain `Error` naming what is wrong, for the caller to wrap. */
export function timestampTrust(chain: readonly Certificate[]): TimestampTrust {
  if (chain.length > MAX_TSA_CHAIN_CERTIFICATES) {
    throw new Error(
      `it holds ${chain.length} certificates, more than ${MAX_TSA_CHAIN_CERTIFICATES}`,
    );
  }
  const leaves = chain.filter((cert) => cert.basicConstraints?.ca !== true);
  const authorities = chain.filter((cert) => cert.basicConstraints?.ca === true);
  const roots = authorities.filter((cert) => bytesEqual(cert.subject.der, cert.issuer.der));
  if (leaves.length > 1) throw new Error("it holds more than one TSA certificate (not a CA)");
  if (roots.length === 0) throw new Error("it holds no root (a self-issued CA certificate)");
  return {
    authority: leaves[0],
    intermediates: authorities.filter((cert) => !roots.includes(cert)),
    roots,
  };
}
