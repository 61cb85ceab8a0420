/**
 * The inputs and results of the leaf checks: one image (a repository and a
 * digest), one trust policy, one kind of evidence (a signature, or an
 * attestation of one predicate type). The rule planner fans out over these,
 * every registry call going through one per-request store.
 */

import type { HashName } from "../../crypto/index.ts";
import type { RegistryClient } from "../../oci/client.ts";
import type { ImageManifest } from "../../oci/content/manifest.ts";
import type { Repository } from "../../oci/reference.ts";
import type { InTotoStatement } from "../../verify/bundle/index.ts";
import type { IdentityPolicy } from "../../verify/cosign/index.ts";
import type { TrustMaterial } from "./trust.ts";

/** Where signatures come from: cosign `.sig`/`.att` tags, Sigstore bundle referrers, Notary referrers. */
export type SignatureFormat = "cosign" | "bundle" | "notary";

export const SIGNATURE_FORMATS: readonly SignatureFormat[] = ["cosign", "bundle", "notary"];

/** Bounds on what one check examines. */
export interface CheckLimits {
  /** Most signature layers or referrers looked at per listing. */
  maxArtifacts: number;
  /** Largest simple-signing payload or Notary envelope, in bytes. */
  maxSignatureBytes: number;
  /** Largest DSSE attestation or Sigstore bundle, in bytes (SBOM predicates are large). */
  maxAttestationBytes: number;
}

export const DEFAULT_CHECK_LIMITS: Readonly<CheckLimits> = Object.freeze({
  maxArtifacts: 64,
  maxSignatureBytes: 1024 * 1024,
  maxAttestationBytes: 8 * 1024 * 1024,
});

export interface CheckContext {
  /** A view of the client over this request's store: `client.withStore(store)`. */
  readonly client: RegistryClient;
  /**
   * The verification time (ms since the epoch) for certificates that carry no
   * trusted timestamp; a test can set it to a signature's log time.
   */
  readonly now: () => number;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<CheckLimits>;
}

/** The image a check is about: the digest the reference resolved to. */
export interface ImageTarget {
  /** The canonical reference, for messages. */
  readonly name: string;
  readonly repository: Repository;
  /** The manifest or index digest that was signed, `sha256:<hex>`. */
  readonly digest: string;
  /** Its media type and size, when resolved (Notary signs the whole descriptor; else asked by digest). */
  readonly mediaType?: string;
  readonly size?: number;
}

/** Who may have signed. */
export type SignerPolicy =
  /**
   * Any of these PEM public keys; ECDSA and RSA signatures made over the
   * `signatureAlgorithm` digest (Kyverno's; default sha256).
   */
  | { kind: "keys"; keys: readonly string[]; signatureAlgorithm?: HashName }
  /**
   * PEM certificates, at least one of the two. For cosign: `certificate` is
   * the signing certificate (checked against `chain` when given); with only
   * a `chain`, the certificate a signature carries must chain to it. For
   * Notary, both together are the trust anchors the signer must chain to.
   */
  | { kind: "certificate"; certificate?: string; chain?: string }
  /**
   * A Fulcio certificate naming this identity, chained to the trusted root's
   * Fulcio CAs, or to `roots` (PEM) when given.
   * Kyverno's meaning: `subject` and `issuer` are wildcard patterns, the
   * `RegExp` forms regular expressions matching the whole value.
   */
  | { kind: "keyless"; identity: IdentityPolicy; roots?: string };

export interface TrustPolicy {
  signer: SignerPolicy;
  /** Fulcio CAs, Rekor and CT log keys and timestamp authorities. */
  trust: TrustMaterial;
  /**
   * Require a transparency-log entry, as cosign does unless told to ignore
   * the log. Sigstore bundles always need theirs: their verifier has no
   * switch for it.
   */
  requireTlog: boolean;
  /** Require signed certificate timestamps in Fulcio certificates (cosign signatures; bundles always do). */
  requireSct: boolean;
  /** PEM key(s) of the Rekor log, checking log entries instead of the trusted root's logs (cosign only). */
  rekorKey?: string;
  /** PEM key(s) of the CT log, checking SCTs instead of the trusted root's logs (cosign only). */
  ctlogKey?: string;
  /**
   * PEM chain of a timestamp authority: a cosign layer's RFC 3161 timestamp is
   * verified with it and certificates are checked at its time (cosign only).
   */
  tsaCertChain?: string;
  /**
   * Annotations a cosign signature must carry, with these string values, in
   * its simple-signing payload's `optional` object (cosign `-a key=value`,
   * Kyverno attestor `annotations`): a signature without them does not count.
   */
  annotations?: Readonly<Record<string, string>>;
}

export interface CheckLocation {
  /** Where signatures and attestations are stored (Kyverno `repository`); default the image's. */
  signatureRepository?: Repository;
  /** The formats to look for; default every format the signer policy can verify. */
  formats?: readonly SignatureFormat[];
  /**
   * Also look for cosign signatures stored as OCI 1.1 referrers (cosign's
   * experimental OCI 1.1 mode, Kyverno `cosignOCI11`). Attestations are read
   * from the `.att` tag either way, as cosign does.
   */
  cosignOCI11?: boolean;
}

/** Who signed, as far as the policy established it. */
export type VerifiedSigner =
  /** `keyId`: lower-case hex SHA-256 of the key's SubjectPublicKeyInfo. */
  | { kind: "key"; keyId: string }
  | { kind: "keyless"; subject: string; issuer: string }
  /**
   * A certificate the policy names or anchors: `subject` is its subject
   * name (cosign: its alternative names), `fingerprint` the hex SHA-256 of its DER.
   */
  | { kind: "certificate"; subject: string; fingerprint?: string };

export interface VerifiedSignature {
  format: SignatureFormat;
  /** The artifact that verified: `registry/repository@sha256:…` of its layer or manifest. */
  source: string;
  signer: VerifiedSigner;
  /** The earliest trusted time of signing (log or timestamp authority), ISO 8601. */
  signedAt?: string;
}

/**
 * A Notary attestation as Kyverno hands it to conditions: the referrer's
 * manifest, its artifact `type`, and its one layer's JSON as the `predicate`.
 */
export interface ReferrerStatement extends ImageManifest {
  type: string;
  predicate: unknown;
}

export interface VerifiedAttestation extends VerifiedSignature {
  /** The in-toto predicate type, or a Notary attestation's artifact type. */
  predicateType: string;
  /** The verified statement, for the policy's conditions. */
  statement: InTotoStatement | ReferrerStatement;
}

/** The evidence a check looks for. */
export type Evidence = { kind: "signature" } | { kind: "attestation"; predicateType: string };
