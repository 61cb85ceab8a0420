/**
 * Verifies an RFC 3161 timestamp countersignature over a Notary Project
 * signature: the token's message imprint is the hash of the signature value,
 * the TSA signed the TSTInfo through its signed attributes, and the TSA
 * certificate is a timestamping certificate that chains, at the time stamped,
 * to one of the trusted timestamping certificates.
 */
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import {
  bytesEqual,
  type Certificate,
  EKU_TIME_STAMPING,
  type HashName,
  type VerifyOptions,
  verifyChain,
  verifySignature,
} from "../../crypto/index.ts";
import { checkLeafProfile, parseChain } from "./certificate-chain.ts";
import { notaryError, reasonOf } from "./errors.ts";
import {
  parseTimestampToken,
  type TimestampSigner,
  type TimestampToken,
} from "./timestamp-token.ts";

const DIGESTS: Readonly<Record<HashName, (data: Uint8Array) => Uint8Array>> = {
  sha256,
  sha384,
  sha512,
};

export interface VerifiedTimestamp {
  /** The time the TSA stamped (genTime). */
  readonly time: Date;
  /** genTime less and plus the TSA's stated accuracy. */
  readonly earliest: Date;
  readonly latest: Date;
  /** Subject of the TSA's signing certificate. */
  readonly authority: string;
}

const invalid = (reason: string, cause?: unknown) =>
  notaryError("TIMESTAMP_INVALID", `timestamp countersignature: ${reason}`, cause);

export async function verifyTimestamp(
  tokenBytes: Uint8Array,
  signature: Uint8Array,
  trusted: readonly Certificate[],
): Promise<VerifiedTimestamp> {
  const token = parseTimestampToken(tokenBytes);
  if (!bytesEqual(DIGESTS[token.imprintHash](signature), token.imprint)) {
    throw invalid("its message imprint is not the hash of this signature");
  }
  const { signer } = token;
  if (!bytesEqual(DIGESTS[signer.digest](token.tstInfo), signer.messageDigest)) {
    throw invalid("its messageDigest attribute is not the hash of its TSTInfo");
  }
  const certificates = parseTokenCertificates(token);
  const tsa = certificates.find((cert) => isSigner(cert, signer));
  if (tsa === undefined) throw invalid("the TSA's certificate is not in the token");
  try {
    checkLeafProfile(tsa, "timestamping");
  } catch (err) {
    throw invalid(reasonOf(err), err);
  }
  await checkSignerSignature(tsa, signer);
  try {
    await verifyChain(tsa, certificates, trusted, {
      at: token.genTime,
      extKeyUsage: { oid: EKU_TIME_STAMPING },
    });
  } catch (err) {
    throw notaryError(
      "TIMESTAMP_UNTRUSTED",
      `timestamp countersignature: the TSA certificate is not trusted at ${token.genTime.toISOString()}: ${reasonOf(err)}`,
      err,
    );
  }
  return {
    time: token.genTime,
    earliest: new Date(token.genTime.getTime() - token.accuracyMs),
    latest: new Date(token.genTime.getTime() + token.accuracyMs),
    authority: tsa.subject.text,
  };
}

function parseTokenCertificates(token: TimestampToken): Certificate[] {
  try {
    return parseChain(token.certificates, "timestamp token");
  } catch (err) {
    throw invalid(reasonOf(err), err);
  }
}

function isSigner(cert: Certificate, signer: TimestampSigner): boolean {
  if (signer.subjectKeyId !== undefined) return cert.subjectKeyId === signer.subjectKeyId;
  return (
    signer.issuer !== undefined &&
    bytesEqual(cert.issuer.der, signer.issuer) &&
    cert.serialNumber === signer.serialNumber
  );
}

/** How the signer's signatureAlgorithm OID is checked; the digest comes from digestAlgorithm. */
const SIGNATURE_ALGORITHMS: ReadonlyMap<
  string,
  { kind: "rsa" | "ecdsa"; options: VerifyOptions; hash?: HashName }
> = new Map([
  ["1.2.840.113549.1.1.1", { kind: "rsa", options: { rsaPadding: "pkcs1v15" } }],
  ["1.2.840.113549.1.1.10", { kind: "rsa", options: { rsaPadding: "pss" } }],
  ["1.2.840.113549.1.1.11", { kind: "rsa", options: { rsaPadding: "pkcs1v15" }, hash: "sha256" }],
  ["1.2.840.113549.1.1.12", { kind: "rsa", options: { rsaPadding: "pkcs1v15" }, hash: "sha384" }],
  ["1.2.840.113549.1.1.13", { kind: "rsa", options: { rsaPadding: "pkcs1v15" }, hash: "sha512" }],
  ["1.2.840.10045.2.1", { kind: "ecdsa", options: {} }],
  ["1.2.840.10045.4.3.2", { kind: "ecdsa", options: {}, hash: "sha256" }],
  ["1.2.840.10045.4.3.3", { kind: "ecdsa", options: {}, hash: "sha384" }],
  ["1.2.840.10045.4.3.4", { kind: "ecdsa", options: {}, hash: "sha512" }],
]);

async function checkSignerSignature(tsa: Certificate, signer: TimestampSigner): Promise<void> {
  const algorithm = SIGNATURE_ALGORITHMS.get(signer.signatureAlgorithm);
  if (algorithm === undefined || algorithm.kind !== tsa.publicKey.kind) {
    throw invalid(
      `signature algorithm ${signer.signatureAlgorithm} does not fit ${tsa.describe()}`,
    );
  }
  let valid: boolean;
  try {
    valid = await verifySignature(tsa.publicKey, signer.signedAttributes, signer.signature, {
      ...algorithm.options,
      hash: algorithm.hash ?? signer.digest,
    });
  } catch (err) {
    throw invalid(reasonOf(err), err);
  }
  if (!valid) throw invalid(`its signature does not verify with the key of ${tsa.describe()}`);
}
