/**
 * Who signed, checked the way the policy asks: one of its public keys; its
 * certificate (pinned, or chained to its certChain); or a Fulcio certificate
 * chained to a trusted root at the signing time, with the identity, embedded
 * SCTs and finally the signature itself checked.
 */

import type { Certificate, FulcioExtensions, PublicKey } from "../../crypto/index.ts";
import { bytesEqual } from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import { layerCertificate, layerChain, verifyCertificatePath } from "./certificates.ts";
import { cosignError } from "./errors.ts";
import { assertIdentity, certificateSubjects } from "./identity.ts";
import type { LayerAnnotations } from "./layer.ts";
import type { PreparedCosignPolicy, PreparedSigner } from "./policy.ts";
import { findSigningKey } from "./signature-check.ts";
import { verifyEmbeddedScts } from "./transparency/sct.ts";
import { type CosignTrust, withinRange } from "./trusted-root.ts";

export type CosignSigner =
  | {
      readonly kind: "key";
      /** Position of the verifying key among the policy's keys (PEM blocks in order). */
      readonly keyIndex: number;
      /** Lower-case hex SHA-256 of the key's SubjectPublicKeyInfo. */
      readonly keyId: string;
    }
  | {
      readonly kind: "certificate";
      /** Lower-case hex SHA-256 of the signing certificate's DER. */
      readonly fingerprint: string;
      /** Its subject alternative names (e-mail, URI, DNS, IP, Fulcio username). */
      readonly subjects: readonly string[];
      /** The OIDC issuer Fulcio recorded, if any. */
      readonly issuer: string | undefined;
      readonly extensions: FulcioExtensions;
      /** Fingerprints of the certificates above it, up to the trusted root. */
      readonly chain: readonly string[];
    };

export interface SignerCheck {
  readonly policy: PreparedCosignPolicy;
  readonly trust: CosignTrust;
  readonly annotations: LayerAnnotations | undefined;
  /** The bytes the signature covers (payload or DSSE PAE). */
  readonly signed: Uint8Array;
  readonly signatures: readonly Uint8Array[];
  /** The time stamped by a trusted TSA, else the logged time, else now. */
  readonly signedAt: Date;
  /** "signature" or "attestation signature", for messages. */
  readonly what: string;
}

export interface VerifiedSigner {
  readonly signer: CosignSigner;
  readonly key: PublicKey;
  /** Set when a certificate signed. */
  readonly certificate: Certificate | undefined;
  /** [certificate, ..., root] as verified; empty when a key signed. */
  readonly path: readonly Certificate[];
}

type Signer<Kind> = Extract<PreparedSigner, { kind: Kind }>;

export async function verifySigner(check: SignerCheck): Promise<VerifiedSigner> {
  const { signer } = check.policy;
  switch (signer.kind) {
    case "key": {
      const found = await findSigningKey(
        signer.keys,
        check.signed,
        check.signatures,
        signer.hash,
        check.what,
      );
      return {
        signer: { kind: "key", keyIndex: found.index, keyId: found.key.id },
        key: found.key,
        certificate: undefined,
        path: [],
      };
    }
    case "certificate":
      return certificateSigner(check, signer);
    case "keyless":
      return keylessSigner(check, signer);
  }
}

async function certificateSigner(
  check: SignerCheck,
  signer: Signer<"certificate">,
): Promise<VerifiedSigner> {
  const carried = layerCertificate(check.annotations);
  const { cert, chain } = signer;
  if (cert === undefined) {
    // Only a chain: the layer's certificate must chain to it, as to Fulcio's roots.
    const leaf = requireCertificate(carried);
    const path = await verifyCertificatePath(
      leaf,
      layerChain(check.annotations),
      chain ?? [],
      check.signedAt,
    );
    await checkScts(check, path);
    return certificateSignature(check, path);
  }
  if (carried !== undefined && !bytesEqual(carried.der, cert.der)) {
    throw cosignError(
      "CERTIFICATE_MISMATCH",
      `the layer was signed with ${carried.describe()}, the policy names ${cert.describe()}`,
    );
  }
  // A pinned certificate without a chain is its own root: its validity is still checked.
  const roots = chain === undefined ? [cert] : chain.slice(-1);
  const path = await verifyCertificatePath(cert, chain?.slice(0, -1) ?? [], roots, check.signedAt);
  if (chain !== undefined) await checkScts(check, path);
  return certificateSignature(check, path);
}

async function keylessSigner(
  check: SignerCheck,
  signer: Signer<"keyless">,
): Promise<VerifiedSigner> {
  const leaf = requireCertificate(layerCertificate(check.annotations));
  const authorities =
    signer.roots === undefined
      ? fulcioAuthorities(check.trust, leaf.notBefore)
      : { roots: signer.roots, intermediates: [] };
  const path = await verifyCertificatePath(
    leaf,
    [...authorities.intermediates, ...layerChain(check.annotations)],
    authorities.roots,
    check.signedAt,
  );
  assertIdentity(leaf, signer.identity);
  await checkScts(check, path);
  return certificateSignature(check, path);
}

/** The trusted root's Fulcio CAs that were in service when `issuedAt`. */
function fulcioAuthorities(
  trust: CosignTrust,
  issuedAt: Date,
): { roots: Certificate[]; intermediates: Certificate[] } {
  const chains = trust.certificateAuthorities
    .filter((authority) => withinRange(authority.validFor, issuedAt))
    .map((authority) => authority.certificates);
  return {
    roots: chains.flatMap((chain) => chain.slice(-1)),
    intermediates: chains.flatMap((chain) => chain.slice(0, -1)),
  };
}

function requireCertificate(cert: Certificate | undefined): Certificate {
  if (cert === undefined) {
    throw cosignError(
      "CERTIFICATE_MISSING",
      "the layer carries no signing certificate (dev.sigstore.cosign/certificate)",
    );
  }
  return cert;
}

async function checkScts(check: SignerCheck, path: readonly Certificate[]): Promise<void> {
  const { sct } = check.policy;
  if (!sct.required) return;
  await verifyEmbeddedScts(path[0] as Certificate, path[1], sct.keys ?? check.trust.ctlogs);
}

/** Checks the signature with the leaf's key (SHA-256, as cosign does for certificates). */
async function certificateSignature(
  check: SignerCheck,
  path: readonly Certificate[],
): Promise<VerifiedSigner> {
  const leaf = path[0] as Certificate;
  let key: PublicKey;
  try {
    key = leaf.publicKey;
  } catch (err) {
    throw cosignError(
      "CERTIFICATE_INVALID",
      `${leaf.describe()}: its key cannot verify signatures: ${reasonOf(err)}`,
      err,
    );
  }
  await findSigningKey([key], check.signed, check.signatures, "sha256", check.what);
  return {
    signer: {
      kind: "certificate",
      fingerprint: leaf.fingerprint,
      subjects: certificateSubjects(leaf),
      issuer: leaf.fulcio.issuer,
      extensions: leaf.fulcio,
      chain: path.slice(1).map((cert) => cert.fingerprint),
    },
    key,
    certificate: leaf,
    path,
  };
}
