/**
 * A Kyverno attestor in the terms of the leaf checks: who may have signed
 * (`TrustPolicy`) and where to look (`CheckLocation`). Settings the checks
 * cannot express are refused with `UNSUPPORTED_ATTESTOR`, never dropped;
 * those a format cannot apply are refused by its check (`POLICY_INVALID`).
 */

import { parseReference } from "../oci/reference.ts";
import type { Attestor, ImageVerification, VerificationType } from "../policy/index.ts";
import type {
  CheckLocation,
  SignatureFormat,
  SignerPolicy,
  TrustMaterial,
  TrustPolicy,
} from "./checks/index.ts";
import { engineError } from "./errors.ts";

export type LeafAttestor = Exclude<Attestor, { kind: "nested" }>;

export interface CheckSpec {
  policy: TrustPolicy;
  location: CheckLocation;
}

const FORMATS: Readonly<Record<VerificationType, SignatureFormat>> = {
  Cosign: "cosign",
  SigstoreBundle: "bundle",
  Notary: "notary",
};

/** The trust policy and location of one attestor entry of `verification`. */
export function checkSpec(
  attestor: LeafAttestor,
  verification: ImageVerification,
  trust: TrustMaterial,
): CheckSpec {
  const repository = attestor.repository ?? verification.repository;
  const location: CheckLocation = { formats: [FORMATS[verification.type]] };
  if (repository !== undefined && repository !== "") {
    location.signatureRepository = signatureRepository(repository, attestor.path);
  }
  if (verification.cosignOCI11) {
    if (verification.type !== "Cosign") {
      throw unsupported(
        verification.path,
        `cosignOCI11 with type ${verification.type}`,
        "it selects where cosign signatures are stored",
      );
    }
    location.cosignOCI11 = true;
  }
  const policy: TrustPolicy = {
    signer: signerOf(attestor),
    trust,
    requireTlog: !(attestor.rekor?.ignoreTlog ?? false),
    requireSct: !(attestor.ctlog?.ignoreSCT ?? false),
  };
  if (attestor.rekor?.pubkey !== undefined) policy.rekorKey = attestor.rekor.pubkey;
  if (attestor.ctlog?.pubkey !== undefined) policy.ctlogKey = attestor.ctlog.pubkey;
  if (attestor.ctlog?.tsaCertChain !== undefined) policy.tsaCertChain = attestor.ctlog.tsaCertChain;
  if (Object.keys(attestor.annotations).length > 0) policy.annotations = attestor.annotations;
  return { policy, location };
}

function signerOf(attestor: LeafAttestor): SignerPolicy {
  switch (attestor.kind) {
    case "keys": {
      const { signatureAlgorithm } = attestor;
      if (signatureAlgorithm === "sha224") {
        throw unsupported(
          attestor.path,
          "keys.signatureAlgorithm sha224",
          "WebCrypto has no SHA-224, and signatures are checked with sha256, sha384 or sha512",
        );
      }
      return { kind: "keys", keys: [attestor.publicKeys], signatureAlgorithm };
    }
    case "certificates":
      return {
        kind: "certificate",
        ...(attestor.cert !== undefined && { certificate: attestor.cert }),
        ...(attestor.certChain !== undefined && { chain: attestor.certChain }),
      };
    case "keyless":
      return {
        kind: "keyless",
        identity: {
          ...(attestor.subject !== undefined && { subject: attestor.subject }),
          ...(attestor.issuer !== undefined && { issuer: attestor.issuer }),
          ...(attestor.subjectRegExp !== undefined && { subjectRegExp: attestor.subjectRegExp }),
          ...(attestor.issuerRegExp !== undefined && { issuerRegExp: attestor.issuerRegExp }),
          additionalExtensions: attestor.additionalExtensions,
        },
        ...(attestor.roots !== undefined && { roots: attestor.roots }),
      };
  }
}

function signatureRepository(text: string, path: string): { registry: string; repository: string } {
  try {
    const { registry, repository } = parseReference(text);
    return { registry, repository };
  } catch (err) {
    throw engineError(
      "UNSUPPORTED_ATTESTOR",
      `${path}: repository ${JSON.stringify(text)} is not a repository reference`,
      err,
    );
  }
}

function unsupported(path: string, what: string, why: string): Error {
  return engineError(
    "UNSUPPORTED_ATTESTOR",
    `${path}: ${what} is not supported (${why}); refusing the attestor rather than ignoring it`,
  );
}
