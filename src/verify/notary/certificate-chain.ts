/**
 * The certificate chain of a Notary Project signature, checked the way the
 * signature specification asks ("Certificate Requirements"): an ordered list
 * from the signing certificate to a self-signed root, each certificate issued
 * by the next, the leaf a code-signing certificate and every other one a CA.
 * Only basicConstraints, keyUsage and extKeyUsage are honoured; other
 * extensions are not evaluated (the specification says to fail open on them).
 */

import {
  bytesEqual,
  type Certificate,
  EKU_CODE_SIGNING,
  EKU_TIME_STAMPING,
  type KeyUsageName,
  parseCertificate,
  verifyCertificateSignature,
} from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import { algorithmForKey, type NotaryAlgorithm } from "./algorithms.ts";
import { notaryError } from "./errors.ts";

const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_KEY_USAGE = "2.5.29.15";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const EKU_NAMES: Readonly<Record<string, string>> = {
  "2.5.29.37.0": "anyExtendedKeyUsage",
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  [EKU_CODE_SIGNING]: "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  [EKU_TIME_STAMPING]: "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
};
/** A signing (or timestamping) certificate may only sign: every other key usage is refused. */
const LEAF_FORBIDDEN_USAGE: readonly KeyUsageName[] = [
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "crlSign",
  "encipherOnly",
  "decipherOnly",
];

export type LeafPurpose = "code signing" | "timestamping";

/** DER certificates to parsed ones; a certificate that does not parse is `CERT_INVALID`. */
export function parseChain(ders: readonly Uint8Array[], what: string): Certificate[] {
  return ders.map((der, index) => {
    try {
      return parseCertificate(der, `${what} certificate ${index + 1}`);
    } catch (err) {
      throw notaryError("CERT_INVALID", reasonOf(err), err);
    }
  });
}

/** The algorithm the leaf's key calls for; a key the Notary Project does not use is `CERT_INVALID`. */
export function leafAlgorithm(leaf: Certificate): NotaryAlgorithm {
  let algorithm: NotaryAlgorithm | undefined;
  try {
    algorithm = algorithmForKey(leaf.publicKey);
  } catch (err) {
    throw notaryError("CERT_INVALID", reasonOf(err), err);
  }
  if (algorithm === undefined) {
    throw notaryError(
      "CERT_INVALID",
      `${leaf.describe()}: its key is not RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521`,
    );
  }
  return algorithm;
}

function invalid(cert: Certificate, reason: string): never {
  throw notaryError("CERT_INVALID", `${cert.describe()}: ${reason}`);
}

/** The leaf requirements: not a CA, keyUsage digitalSignature only, a fitting extKeyUsage, a usable key. */
export function checkLeafProfile(cert: Certificate, purpose: LeafPurpose): void {
  if (cert.basicConstraints?.ca === true)
    invalid(cert, `a ${purpose} certificate must not be a CA`);
  const keyUsage = cert.extension(OID_KEY_USAGE);
  if (keyUsage === undefined || cert.keyUsage === undefined) invalid(cert, "keyUsage is missing");
  // RFC 3161 timestamping certificates in the field often carry a non-critical keyUsage.
  if (!keyUsage.critical && purpose === "code signing") invalid(cert, "keyUsage is not critical");
  if (!cert.keyUsage.includes("digitalSignature")) invalid(cert, "keyUsage lacks digitalSignature");
  const extra = cert.keyUsage.filter((usage) => LEAF_FORBIDDEN_USAGE.includes(usage));
  if (extra.length > 0)
    invalid(cert, `keyUsage must be digitalSignature only, found ${extra.join(", ")}`);
  const purposes = cert.extKeyUsage ?? [];
  if (purpose === "timestamping") {
    // RFC 3161 section 2.3: exactly one, critical, extKeyUsage of timeStamping.
    const critical = cert.extension(OID_EXT_KEY_USAGE)?.critical === true;
    if (purposes.length !== 1 || purposes[0] !== EKU_TIME_STAMPING || !critical) {
      invalid(
        cert,
        "a timestamping certificate must have a critical extKeyUsage of timeStamping only",
      );
    }
  } else {
    const refused = purposes.filter(
      (oid) => oid !== EKU_CODE_SIGNING && Object.hasOwn(EKU_NAMES, oid),
    );
    if (refused.length > 0) {
      invalid(
        cert,
        `extKeyUsage must not include ${refused.map((oid) => EKU_NAMES[oid]).join(", ")}`,
      );
    }
  }
  leafAlgorithm(cert);
}

/** The CA requirements; `below` is how many CA certificates sit between this one and the leaf. */
function checkCaProfile(cert: Certificate, below: number): void {
  const constraints = cert.basicConstraints;
  if (constraints?.ca !== true || cert.extension(OID_BASIC_CONSTRAINTS)?.critical !== true) {
    invalid(cert, "a CA certificate needs a critical basicConstraints with cA true");
  }
  if (constraints.pathLen !== undefined && constraints.pathLen < below) {
    throw notaryError(
      "CHAIN_INVALID",
      `${cert.describe()}: pathLen ${constraints.pathLen} allows fewer than the ${below} CA certificate(s) below it`,
    );
  }
  if (cert.extension(OID_KEY_USAGE)?.critical !== true || !cert.keyUsage?.includes("keyCertSign")) {
    invalid(cert, "a CA certificate needs a critical keyUsage with keyCertSign");
  }
}

/** Why `cert` was not issued by `issuer`, or undefined when it was (names match and the signature verifies). */
async function notIssuedBy(cert: Certificate, issuer: Certificate): Promise<string | undefined> {
  if (!bytesEqual(cert.issuer.der, issuer.subject.der)) {
    return `its issuer "${cert.issuer.text}" is not the subject "${issuer.subject.text}"`;
  }
  try {
    const valid = await verifyCertificateSignature(cert, issuer.publicKey);
    return valid ? undefined : `its signature does not verify with the key of ${issuer.describe()}`;
  } catch (err) {
    return reasonOf(err);
  }
}

/**
 * Checks the chain is ordered and complete (leaf first, each issued by the
 * next, a self-signed root last, no other self-signed certificate) and that
 * each certificate meets the requirements for its place.
 */
export async function checkChainStructure(chain: readonly Certificate[]): Promise<void> {
  const chainInvalid = (reason: string) => notaryError("CHAIN_INVALID", reason);
  const rootIndex = chain.length - 1;
  for (const [index, cert] of chain.entries()) {
    const selfSignedProblem = await notIssuedBy(cert, cert);
    if (index === rootIndex) {
      if (selfSignedProblem !== undefined) {
        throw chainInvalid(
          `${cert.describe()} ends the chain but is not a valid self-signed root: ${selfSignedProblem}`,
        );
      }
      break;
    }
    if (selfSignedProblem === undefined) {
      throw chainInvalid(
        `${cert.describe()} is self-signed but is not the last certificate of the chain`,
      );
    }
    const issuer = chain[index + 1] as Certificate;
    const problem = await notIssuedBy(cert, issuer);
    if (problem !== undefined) {
      throw chainInvalid(`${cert.describe()} is not issued by the next certificate: ${problem}`);
    }
  }
  chain.forEach((cert, index) => {
    if (index === 0) checkLeafProfile(cert, "code signing");
    else checkCaProfile(cert, index - 1);
  });
}

/** Every certificate must be valid at `at`; `when` says which time it is, for the message. */
export function checkValidity(chain: readonly Certificate[], at: Date, when: string): void {
  for (const cert of chain) {
    if (at < cert.notBefore) {
      throw notaryError(
        "CERT_NOT_YET_VALID",
        `${cert.describe()} is not valid until ${cert.notBefore.toISOString()} (checked at the ${when}, ${at.toISOString()})`,
      );
    }
    if (at > cert.notAfter) {
      throw notaryError(
        "CERT_EXPIRED",
        `${cert.describe()} expired at ${cert.notAfter.toISOString()} (checked at the ${when}, ${at.toISOString()})`,
      );
    }
  }
}

/**
 * The first certificate of the chain (from the leaf up) that is one of the
 * trusted certificates: trust holds when the chain ends at or passes through
 * a trusted root or intermediate, or is the trusted certificate itself.
 */
export function trustAnchor(
  chain: readonly Certificate[],
  trusted: readonly Certificate[],
): Certificate | undefined {
  return chain.find((cert) => trusted.some((anchor) => anchor.fingerprint === cert.fingerprint));
}
