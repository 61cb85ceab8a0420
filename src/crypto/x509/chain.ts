/**
 * Certificate path validation (a profile of RFC 5280 6.1 that fits code
 * signing): builds a path from the leaf through the given intermediates to one
 * of the trusted roots, and checks along it that every certificate is valid at
 * `at`, each is signed by the next, issuers are CAs allowed to sign
 * certificates within their path length, and no certificate carries a
 * critical extension that is not understood here (name constraints included).
 */

import type { ImgverifyError } from "../../errors.ts";
import { isImgverifyError, reasonOf } from "../../errors.ts";
import { bytesEqual } from "../bytes.ts";
import { type CryptoErrorCode, cryptoError } from "../errors.ts";

type CryptoError = ImgverifyError<CryptoErrorCode>;

import type { SignatureEngine } from "../signature/engine.ts";
import type { Certificate } from "./certificate.ts";
import { verifyCertificateSignature } from "./certificate-signature.ts";

export const EKU_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
export const EKU_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
const EKU_ANY = "2.5.29.37.0";

/** basicConstraints, keyUsage, extKeyUsage, subjectAltName, key identifiers. */
const UNDERSTOOD_EXTENSIONS = new Set([
  "2.5.29.19",
  "2.5.29.15",
  "2.5.29.37",
  "2.5.29.17",
  "2.5.29.14",
  "2.5.29.35",
]);

/** Certificates in a path at most, leaf and root included. */
export const DEFAULT_MAX_CHAIN_LENGTH = 10;
/** Signature checks one `verifyChain` may spend on candidate issuers. */
const MAX_SIGNATURE_CHECKS = 64;

export interface ChainOptions {
  /** Every certificate must be valid at this time (for keyless: when the signature was made). */
  at: Date;
  /**
   * The leaf's purpose: its extKeyUsage must list `oid` or anyExtendedKeyUsage,
   * and issuers that carry extKeyUsage must allow it too. With `allowMissing`,
   * a leaf without the extension passes (Notary's rule; cosign requires it).
   */
  extKeyUsage?: { oid: string; allowMissing?: boolean };
  maxLength?: number;
  engine?: SignatureEngine;
}

/**
 * Resolves the path [leaf, ..., root] when `leaf` chains to one of `roots`;
 * rejects with `CERT_EXPIRED`, `CERT_NOT_YET_VALID`, `CERT_INVALID`,
 * `CERT_USAGE_INVALID`, `CHAIN_INVALID` or `UNTRUSTED_ROOT`. A leaf that is
 * itself one of `roots` (a pinned self-signed certificate) is its own path.
 */
export async function verifyChain(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  roots: readonly Certificate[],
  options: ChainOptions,
): Promise<Certificate[]> {
  const { at } = options;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw cryptoError("CHAIN_INVALID", "chain verification needs a valid `at` time");
  }
  checkCertificate(leaf, at);
  checkLeafUsage(leaf, options.extKeyUsage);
  const maxLength = options.maxLength ?? DEFAULT_MAX_CHAIN_LENGTH;
  const pool = dedupe([...roots, ...intermediates]);
  let signatureChecks = 0;
  /** Set when the search is out of budget: every level then gives up at once. */
  let exhausted: CryptoError | undefined;

  const extend = async (path: Certificate[]): Promise<Certificate[]> => {
    const current = path[path.length - 1] as Certificate;
    if (roots.some((root) => bytesEqual(root.der, current.der))) return path;
    if (path.length >= maxLength) {
      throw cryptoError(
        "CHAIN_INVALID",
        `${leaf.describe()}: no trusted root within ${maxLength} certificates`,
      );
    }
    const candidates = pool.filter(
      (candidate) =>
        bytesEqual(candidate.subject.der, current.issuer.der) &&
        !path.some((member) => bytesEqual(member.der, candidate.der)),
    );
    let failure: CryptoError | undefined;
    for (const issuer of candidates) {
      try {
        checkCertificate(issuer, at);
        checkIssuer(issuer, current, path, options.extKeyUsage);
        if (++signatureChecks > MAX_SIGNATURE_CHECKS) {
          exhausted = cryptoError(
            "CHAIN_INVALID",
            `${leaf.describe()}: more than ${MAX_SIGNATURE_CHECKS} candidate issuers tried`,
          );
          throw exhausted;
        }
        await checkSignature(current, issuer, options.engine);
        return await extend([...path, issuer]);
      } catch (err) {
        if (exhausted !== undefined || !isImgverifyError(err)) throw err;
        // The first specific reason explains best why the likeliest path failed.
        if (
          failure === undefined ||
          (failure.code === "UNTRUSTED_ROOT" && err.code !== "UNTRUSTED_ROOT")
        ) {
          failure = err as CryptoError;
        }
      }
    }
    throw (
      failure ??
      cryptoError(
        "UNTRUSTED_ROOT",
        `${current.describe()}: its issuer "${current.issuer.text}" is neither a trusted root nor a given intermediate`,
      )
    );
  };
  return extend([leaf]);
}

function dedupe(certificates: Certificate[]): Certificate[] {
  return certificates.filter(
    (cert, index) => certificates.findIndex((other) => bytesEqual(other.der, cert.der)) === index,
  );
}

/** Checks every certificate on the path gets: validity at `at`, no unknown critical extension. */
function checkCertificate(cert: Certificate, at: Date): void {
  if (at < cert.notBefore) {
    throw cryptoError(
      "CERT_NOT_YET_VALID",
      `${cert.describe()} is not valid before ${cert.notBefore.toISOString()} (checked at ${at.toISOString()})`,
    );
  }
  if (at > cert.notAfter) {
    throw cryptoError(
      "CERT_EXPIRED",
      `${cert.describe()} expired at ${cert.notAfter.toISOString()} (checked at ${at.toISOString()})`,
    );
  }
  const unknown = cert.extensions.find(
    (ext) => ext.critical && !UNDERSTOOD_EXTENSIONS.has(ext.oid),
  );
  if (unknown !== undefined) {
    throw cryptoError(
      "CERT_INVALID",
      `${cert.describe()}: critical extension ${unknown.oid} is not understood`,
    );
  }
}

function checkLeafUsage(leaf: Certificate, usage: ChainOptions["extKeyUsage"]): void {
  if (usage === undefined) return;
  if (leaf.extKeyUsage === undefined) {
    if (usage.allowMissing) return;
    throw cryptoError(
      "CERT_USAGE_INVALID",
      `${leaf.describe()} has no extKeyUsage; ${usage.oid} is required`,
    );
  }
  if (!allows(leaf, usage.oid)) {
    throw cryptoError(
      "CERT_USAGE_INVALID",
      `${leaf.describe()}: extKeyUsage does not include ${usage.oid}`,
    );
  }
}

function allows(cert: Certificate, purpose: string): boolean {
  return (
    cert.extKeyUsage === undefined ||
    cert.extKeyUsage.some((oid) => oid === purpose || oid === EKU_ANY)
  );
}

function selfIssued(cert: Certificate): boolean {
  return bytesEqual(cert.subject.der, cert.issuer.der);
}

function checkIssuer(
  issuer: Certificate,
  child: Certificate,
  path: readonly Certificate[],
  usage: ChainOptions["extKeyUsage"],
): void {
  const refuse = (reason: string): never => {
    throw cryptoError(
      "CHAIN_INVALID",
      `${issuer.describe()} cannot issue ${child.describe()}: ${reason}`,
    );
  };
  if (issuer.basicConstraints?.ca !== true) refuse("it is not a CA (basicConstraints)");
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes("keyCertSign")) {
    refuse("its keyUsage lacks keyCertSign");
  }
  // RFC 5280 4.2.1.9: self-issued intermediates do not count against pathLen.
  const below = path.slice(1).filter((cert) => !selfIssued(cert)).length;
  const pathLen = issuer.basicConstraints?.pathLen;
  if (pathLen !== undefined && below > pathLen) {
    refuse(`pathLen ${pathLen} allows fewer intermediates than the ${below} below it`);
  }
  if (usage !== undefined && !allows(issuer, usage.oid)) {
    throw cryptoError(
      "CERT_USAGE_INVALID",
      `${issuer.describe()}: extKeyUsage does not allow ${usage.oid}`,
    );
  }
}

async function checkSignature(
  cert: Certificate,
  issuer: Certificate,
  engine?: SignatureEngine,
): Promise<void> {
  let valid: boolean;
  try {
    valid = await verifyCertificateSignature(cert, issuer.publicKey, engine);
  } catch (err) {
    throw cryptoError(
      "CHAIN_INVALID",
      `${cert.describe()}: its signature cannot be checked with the key of ${issuer.describe()}: ${reasonOf(err)}`,
      err,
    );
  }
  if (!valid) {
    throw cryptoError("CHAIN_INVALID", `${cert.describe()}: not signed by ${issuer.describe()}`);
  }
}
