/**
 * Verifies an RFC 3161 timestamp over some bytes (a Notary signature value,
 * a cosign signature): the token's message imprint is the hash of those
 * bytes, the TSA signed the TSTInfo through its signed attributes, and the TSA
 * certificate chains, at the time stamped and for timeStamping, to one of the
 * trusted timestamping certificates. The TSA certificate has the one
 * critical extKeyUsage RFC 3161 section 2.3 asks for; a caller with stricter
 * rules for it (the Notary Project's) passes them as `checkAuthority`.
 */
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import {
  bytesEqual,
  type Certificate,
  EKU_TIME_STAMPING,
  type HashName,
  parseCertificate,
  type VerifyOptions,
  verifyChain,
  verifySignature,
} from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import { timestampError } from "./errors.ts";
import { parseTimestampToken, type TimestampSigner, type TimestampToken } from "./token.ts";

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

export interface TimestampOptions {
  /** How messages name the token, e.g. "timestamp countersignature"; "timestamp" by default. */
  readonly what?: string;
  /** More checks of the TSA's own certificate; what it throws makes the token `TIMESTAMP_INVALID`. */
  readonly checkAuthority?: (tsa: Certificate) => void;
  /**
   * The one TSA certificate the caller trusts to sign (cosign's `TSACertificate`):
   * the token's signer must be it, and a token without certificates is checked with it.
   */
  readonly authority?: Certificate;
  /** Intermediate CA certificates for the TSA's chain, besides those the token carries. */
  readonly intermediates?: readonly Certificate[];
}

const OID_EXT_KEY_USAGE = "2.5.29.37";

type Invalid = (reason: string, cause?: unknown) => Error;

/** `stamped` is what the TSA was given (a signature value): the token's imprint is its hash. */
export async function verifyTimestamp(
  tokenBytes: Uint8Array,
  stamped: Uint8Array,
  trusted: readonly Certificate[],
  options: TimestampOptions = {},
): Promise<VerifiedTimestamp> {
  const what = options.what ?? "timestamp";
  const invalid: Invalid = (reason, cause) =>
    timestampError("TIMESTAMP_INVALID", `${what}: ${reason}`, cause);
  const token = parseTimestampToken(tokenBytes, what);
  if (!bytesEqual(DIGESTS[token.imprintHash](stamped), token.imprint)) {
    throw invalid("its message imprint is not the hash of the signature it stamps");
  }
  const { signer } = token;
  if (!bytesEqual(DIGESTS[signer.digest](token.tstInfo), signer.messageDigest)) {
    throw invalid("its messageDigest attribute is not the hash of its TSTInfo");
  }
  const { tsa, certificates } = authorityOf(token, what, options, invalid);
  await checkSignerSignature(tsa, signer, invalid);
  try {
    await verifyChain(tsa, [...certificates, ...(options.intermediates ?? [])], trusted, {
      at: token.genTime,
      extKeyUsage: { oid: EKU_TIME_STAMPING },
    });
  } catch (err) {
    throw timestampError(
      "TIMESTAMP_UNTRUSTED",
      `${what}: the TSA certificate is not trusted at ${token.genTime.toISOString()}: ${reasonOf(err)}`,
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

/** The token's certificates and, among them, the TSA's, checked by `checkAuthority`. */
function authorityOf(
  token: TimestampToken,
  what: string,
  options: TimestampOptions,
  invalid: Invalid,
): { tsa: Certificate; certificates: Certificate[] } {
  let certificates: Certificate[];
  try {
    certificates = token.certificates.map((der, index) =>
      parseCertificate(der, `${what} certificate ${index + 1}`),
    );
  } catch (err) {
    throw invalid(reasonOf(err), err);
  }
  const { authority } = options;
  if (certificates.length === 0 && authority !== undefined) certificates = [authority];
  const tsa = certificates.find((cert) => isSigner(cert, token.signer));
  if (tsa === undefined) throw invalid("the TSA's certificate is not in the token");
  if (authority !== undefined && !bytesEqual(authority.der, tsa.der)) {
    throw invalid(
      `it was signed by ${tsa.describe()}, not by the TSA certificate the policy names`,
    );
  }
  const purposes = tsa.extKeyUsage ?? [];
  const critical = tsa.extension(OID_EXT_KEY_USAGE)?.critical === true;
  if (purposes.length !== 1 || purposes[0] !== EKU_TIME_STAMPING || !critical) {
    throw invalid(
      `${tsa.describe()} lacks the one critical extKeyUsage timeStamping RFC 3161 asks of a TSA`,
    );
  }
  try {
    options.checkAuthority?.(tsa);
  } catch (err) {
    throw invalid(reasonOf(err), err);
  }
  return { tsa, certificates };
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

async function checkSignerSignature(
  tsa: Certificate,
  signer: TimestampSigner,
  invalid: Invalid,
): Promise<void> {
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
