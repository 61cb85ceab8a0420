/**
 * A Kyverno attestor in the terms of the leaf checks: who may have signed
 * (`TrustPolicy`) and where to look (`CheckLocation`). Settings the checks
 * cannot express are refused with `UNSUPPORTED_ATTESTOR`, never dropped.
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
  refuseUnsupported(attestor);
  if (verification.cosignOCI11) {
    // The cosign checks read the `.sig`/`.att` tags; OCI 1.1 cosign storage is not looked at.
    throw unsupported(verification.path, "cosignOCI11");
  }
  const repository = attestor.repository ?? verification.repository;
  const location: CheckLocation = { formats: [FORMATS[verification.type]] };
  if (repository !== undefined && repository !== "") {
    location.signatureRepository = signatureRepository(repository, attestor.path);
  }
  return {
    policy: {
      signer: signerOf(attestor),
      trust,
      requireTlog: !(attestor.rekor?.ignoreTlog ?? false),
      requireSct: !(attestor.ctlog?.ignoreSCT ?? false),
    },
    location,
  };
}

function signerOf(attestor: LeafAttestor): SignerPolicy {
  switch (attestor.kind) {
    case "keys":
      return { kind: "keys", keys: [attestor.publicKeys] };
    case "certificates":
      if (attestor.cert === undefined) {
        throw unsupported(attestor.path, "certificates.certChain without certificates.cert");
      }
      return {
        kind: "certificate",
        certificate: attestor.cert,
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
      };
  }
}

function refuseUnsupported(attestor: LeafAttestor): void {
  if (Object.keys(attestor.annotations).length > 0) {
    throw unsupported(attestor.path, "annotations");
  }
  if (attestor.kind === "keys" && attestor.signatureAlgorithm !== "sha256") {
    throw unsupported(attestor.path, `keys.signatureAlgorithm ${attestor.signatureAlgorithm}`);
  }
  if (attestor.kind === "keyless" && attestor.roots !== undefined) {
    throw unsupported(attestor.path, "keyless.roots");
  }
  if (attestor.rekor?.pubkey !== undefined) throw unsupported(attestor.path, "rekor.pubkey");
  if (attestor.ctlog?.pubkey !== undefined) throw unsupported(attestor.path, "ctlog.pubkey");
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

function unsupported(path: string, what: string): Error {
  return engineError(
    "UNSUPPORTED_ATTESTOR",
    `${path}: ${what} is not supported by imgverify's checks; refusing the attestor rather than ignoring it`,
  );
}
