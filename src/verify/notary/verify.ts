/**
 * Verifies one Notary Project signature envelope against an image descriptor
 * and trusted certificates, in the order and with the outcome notation's
 * "strict" verification level gives (as Kyverno runs it): integrity
 * (envelope, algorithm, signature, certificate chain at the signing time),
 * authenticity (a trusted certificate in the chain), authentic timestamp
 * (certificates valid now, or at a verified RFC 3161 timestamp when timestamp
 * certificates are configured), expiry, and finally the signed target.
 * Revocation (OCSP/CRL) needs the network and is not checked here.
 */
import { type Certificate, verifySignature } from "../../crypto/index.ts";
import { isImgverifyError, reasonOf } from "../../errors.ts";
import type { NotaryAlgorithmName } from "./algorithms.ts";
import { authenticTime, type NotaryTimestampOutcome } from "./authentic-time.ts";
import {
  checkChainStructure,
  checkValidity,
  leafAlgorithm,
  parseChain,
  trustAnchor,
} from "./certificate-chain.ts";
import { parseCoseEnvelope } from "./cose.ts";
import {
  COSE_MEDIA_TYPE,
  JWS_MEDIA_TYPE,
  MAX_ENVELOPE_BYTES,
  type NotaryEnvelope,
  type SigningScheme,
} from "./envelope.ts";
import { type NotaryErrorCode, notaryError } from "./errors.ts";
import { parseJwsEnvelope } from "./jws.ts";
import {
  checkOptions,
  SCHEME_OF_STORE,
  type TrustStoreType,
  trustList,
  type VerifyNotaryOptions,
} from "./options.ts";
import { checkTarget, parsePayload, type SignedTarget } from "./payload.ts";

export interface NotaryResult {
  readonly format: "jws" | "cose";
  readonly algorithm: NotaryAlgorithmName;
  readonly signingScheme: SigningScheme;
  /** The signer's signing time (notary.x509) or the authentic signing time (signingAuthority). */
  readonly signingTime: Date;
  readonly expiry: Date | undefined;
  /** The signed descriptor (equal to the image's), with the signer's annotations. */
  readonly target: SignedTarget;
  readonly leafSubject: string;
  /** Subjects of the envelope's certificates, signing certificate first. */
  readonly certificateChain: readonly string[];
  /** Subject of the trusted certificate the chain reached. */
  readonly trustedBy: string;
  readonly timestamp: NotaryTimestampOutcome;
  readonly signingAgent: string | undefined;
}

export async function verifyNotarySignature(options: VerifyNotaryOptions): Promise<NotaryResult> {
  const digest = typeof options.target?.digest === "string" ? options.target.digest : "the image";
  try {
    return await verify(options);
  } catch (err) {
    if (!isImgverifyError(err)) throw err;
    // One place names the image, so every step's message says which signature failed.
    throw notaryError(
      err.code as NotaryErrorCode,
      `Notary signature over ${digest}: ${err.message}`,
      err,
    );
  }
}

async function verify(options: VerifyNotaryOptions): Promise<NotaryResult> {
  const { now, target, storeType } = checkOptions(options);
  const trusted = trustList(options.trustedCertificates, "trusted certificates");
  const timestampTrust =
    options.timestampCertificates === undefined
      ? undefined
      : trustList(options.timestampCertificates, "timestamp certificates");
  const envelope = parseEnvelope(options.envelope, options.mediaType);
  const { signingScheme, signingTime, expiry } = envelope.signedAttributes;
  const { chain, signedTarget } = await checkIntegrity(envelope);
  const anchor = checkAuthenticity(chain, trusted, storeType, signingScheme);
  const timestamp = await authenticTime(envelope, chain, timestampTrust, now);
  if (expiry !== undefined && now >= expiry) {
    throw notaryError(
      "SIGNATURE_EXPIRED",
      `the signature expired at ${expiry.toISOString()} (now ${now.toISOString()})`,
    );
  }
  checkTarget(signedTarget, target);
  return {
    format: envelope.format,
    algorithm: envelope.algorithm.name,
    signingScheme,
    signingTime,
    expiry,
    target: signedTarget,
    leafSubject: (chain[0] as Certificate).subject.text,
    certificateChain: chain.map((cert) => cert.subject.text),
    trustedBy: anchor.subject.text,
    timestamp,
    signingAgent: envelope.signingAgent,
  };
}

/** The envelope is what its signer made: algorithm, signature, chain at the signing time, payload. */
async function checkIntegrity(
  envelope: NotaryEnvelope,
): Promise<{ chain: Certificate[]; signedTarget: SignedTarget }> {
  const chain = parseChain(envelope.certificates, `${envelope.format.toUpperCase()} envelope`);
  const leaf = chain[0] as Certificate;
  const keyAlgorithm = leafAlgorithm(leaf);
  if (keyAlgorithm.name !== envelope.algorithm.name) {
    throw notaryError(
      "ALGORITHM_MISMATCH",
      `the envelope says ${envelope.algorithm.name} but the signing key of ${leaf.describe()} calls for ${keyAlgorithm.name}`,
    );
  }
  await checkEnvelopeSignature(envelope, leaf);
  await checkChainStructure(chain);
  const { signingScheme, signingTime } = envelope.signedAttributes;
  const signedAt = signingScheme === "notary.x509" ? "signing time" : "authentic signing time";
  checkValidity(chain, signingTime, signedAt);
  return { chain, signedTarget: parsePayload(envelope.payload) };
}

/** The signer is trusted: the store fits the scheme and the chain holds a trusted certificate. */
function checkAuthenticity(
  chain: readonly Certificate[],
  trusted: readonly Certificate[],
  storeType: TrustStoreType,
  signingScheme: SigningScheme,
): Certificate {
  if (SCHEME_OF_STORE[storeType] !== signingScheme) {
    throw notaryError(
      "UNTRUSTED",
      `the signing scheme ${signingScheme} is not trusted through a "${storeType}" trust store`,
    );
  }
  const anchor = trustAnchor(chain, trusted);
  if (anchor === undefined) {
    const names = chain.map((cert) => `"${cert.subject.text}"`).join(", ");
    throw notaryError(
      "UNTRUSTED",
      `no certificate of the chain (${names}) is a trusted certificate`,
    );
  }
  return anchor;
}

function parseEnvelope(bytes: Uint8Array, mediaType: string): NotaryEnvelope {
  if (mediaType !== JWS_MEDIA_TYPE && mediaType !== COSE_MEDIA_TYPE) {
    throw notaryError(
      "ENVELOPE_UNSUPPORTED",
      `signature envelope media type "${mediaType}" is not ${JWS_MEDIA_TYPE} or ${COSE_MEDIA_TYPE}`,
    );
  }
  if (bytes.length > MAX_ENVELOPE_BYTES) {
    throw notaryError(
      "ENVELOPE_INVALID",
      `the envelope is ${bytes.length} bytes, more than the ${MAX_ENVELOPE_BYTES} allowed`,
    );
  }
  return mediaType === JWS_MEDIA_TYPE ? parseJwsEnvelope(bytes) : parseCoseEnvelope(bytes);
}

async function checkEnvelopeSignature(envelope: NotaryEnvelope, leaf: Certificate): Promise<void> {
  const { algorithm } = envelope;
  let valid: boolean;
  try {
    valid = await verifySignature(leaf.publicKey, envelope.signedBytes, envelope.signature, {
      hash: algorithm.hash,
      rsaPadding: "pss",
      // JWS and COSE carry ECDSA signatures as r||s.
      ecdsaFormat: "p1363",
    });
  } catch (err) {
    throw notaryError("SIGNATURE_INVALID", `the signature is malformed: ${reasonOf(err)}`, err);
  }
  if (!valid) {
    throw notaryError(
      "SIGNATURE_INVALID",
      `the ${algorithm.name} signature does not verify with the key of ${leaf.describe()}`,
    );
  }
}
