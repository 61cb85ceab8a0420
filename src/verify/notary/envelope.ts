/**
 * What a JWS and a COSE_Sign1 Notary Project envelope both carry, in one
 * shape, so that every check after parsing is written once.
 */
import type { NotaryAlgorithm } from "./algorithms.ts";
import { notaryError } from "./errors.ts";

export const JWS_MEDIA_TYPE = "application/jose+json";
export const COSE_MEDIA_TYPE = "application/cose";
export const PAYLOAD_MEDIA_TYPE = "application/vnd.cncf.notary.payload.v1+json";
/** The artifactType of Notary Project signature manifests (for the code that finds them). */
export const SIGNATURE_ARTIFACT_TYPE = "application/vnd.cncf.notary.signature";

/** Envelopes larger than this are refused before parsing (notation's limit too). */
export const MAX_ENVELOPE_BYTES: number = 4 * 1024 * 1024;
/** Certificates an envelope may carry, signing certificate and root included. */
export const MAX_CHAIN_CERTIFICATES = 10;

export type SigningScheme = "notary.x509" | "notary.x509.signingAuthority";

/** The signed attributes every Notary Project signature has, decoded and checked. */
export interface SignedAttributes {
  readonly signingScheme: SigningScheme;
  /**
   * `io.cncf.notary.signingTime` (signer's clock, notary.x509) or
   * `io.cncf.notary.authenticSigningTime` (notary.x509.signingAuthority).
   */
  readonly signingTime: Date;
  readonly expiry: Date | undefined;
}

export interface NotaryEnvelope {
  readonly format: "jws" | "cose";
  readonly algorithm: NotaryAlgorithm;
  /** The exact bytes the signature is over (JWS signing input or COSE Sig_structure). */
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly payload: Uint8Array;
  readonly signedAttributes: SignedAttributes;
  /** DER certificates, signing certificate first, root last. */
  readonly certificates: readonly Uint8Array[];
  /** The RFC 3161 TimeStampToken countersigning `signature`, when present. */
  readonly timestampToken: Uint8Array | undefined;
  /** Informational only: never validated. */
  readonly signingAgent: string | undefined;
}

/** The certificate list of an envelope: an array of 1 to MAX_CHAIN_CERTIFICATES entries. */
export function certificateList(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw notaryError("ENVELOPE_INVALID", `${what}: the certificate chain is missing or empty`);
  }
  if (value.length > MAX_CHAIN_CERTIFICATES) {
    throw notaryError(
      "ENVELOPE_INVALID",
      `${what}: ${value.length} certificates, more than the ${MAX_CHAIN_CERTIFICATES} allowed`,
    );
  }
  return value;
}
