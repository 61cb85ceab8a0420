/**
 * The signature algorithm of a certificate, mapped to how `verifySignature`
 * checks it. Unknown or weak algorithms (SHA-1, DSA, ...) parse, since a
 * trusted root's self-signature is never checked, but carry no `check`.
 */
import { id_ecdsaWithSHA256, id_ecdsaWithSHA384, id_ecdsaWithSHA512 } from "@peculiar/asn1-ecc";
import {
  id_mgf1,
  id_RSASSA_PSS,
  id_sha256,
  id_sha256WithRSAEncryption,
  id_sha384,
  id_sha384WithRSAEncryption,
  id_sha512,
  id_sha512WithRSAEncryption,
  RsaSaPssParams,
} from "@peculiar/asn1-rsa";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import type { HashName } from "../hash.ts";
import type { PublicKeyKind } from "../public-key.ts";
import type { RsaPadding } from "./engine.ts";

/** What a check of this algorithm needs: the issuer's key kind and the options. */
export interface SignatureCheck {
  readonly keyKind: PublicKeyKind;
  /** Absent for Ed25519. */
  readonly hash?: HashName;
  readonly rsaPadding?: RsaPadding;
  readonly pssSaltLength?: number;
}

export interface CertificateSignatureAlgorithm {
  readonly oid: string;
  /** "ecdsa-with-SHA256", "sha256WithRSAEncryption", "RSASSA-PSS", "Ed25519", or the OID. */
  readonly name: string;
  /** Undefined when imgverify does not check this algorithm. */
  readonly check: SignatureCheck | undefined;
}

const ID_ED25519 = "1.3.101.112";

const SIMPLE: Readonly<Record<string, { name: string; check: SignatureCheck }>> = {
  [id_ecdsaWithSHA256]: { name: "ecdsa-with-SHA256", check: { keyKind: "ecdsa", hash: "sha256" } },
  [id_ecdsaWithSHA384]: { name: "ecdsa-with-SHA384", check: { keyKind: "ecdsa", hash: "sha384" } },
  [id_ecdsaWithSHA512]: { name: "ecdsa-with-SHA512", check: { keyKind: "ecdsa", hash: "sha512" } },
  [id_sha256WithRSAEncryption]: {
    name: "sha256WithRSAEncryption",
    check: { keyKind: "rsa", hash: "sha256", rsaPadding: "pkcs1v15" },
  },
  [id_sha384WithRSAEncryption]: {
    name: "sha384WithRSAEncryption",
    check: { keyKind: "rsa", hash: "sha384", rsaPadding: "pkcs1v15" },
  },
  [id_sha512WithRSAEncryption]: {
    name: "sha512WithRSAEncryption",
    check: { keyKind: "rsa", hash: "sha512", rsaPadding: "pkcs1v15" },
  },
  [ID_ED25519]: { name: "Ed25519", check: { keyKind: "ed25519" } },
};

const PSS_HASHES: Readonly<Record<string, HashName>> = {
  [id_sha256]: "sha256",
  [id_sha384]: "sha384",
  [id_sha512]: "sha512",
};

export function certificateSignatureAlgorithm(
  algorithm: AlgorithmIdentifier,
): CertificateSignatureAlgorithm {
  const oid = algorithm.algorithm;
  const simple = SIMPLE[oid];
  if (simple !== undefined) return { oid, ...simple };
  if (oid === id_RSASSA_PSS)
    return { oid, name: "RSASSA-PSS", check: pssCheck(algorithm.parameters) };
  return { oid, name: oid, check: undefined };
}

/**
 * RSASSA-PSS as WebCrypto can check it: SHA-2 with MGF1 over the same hash and
 * the standard trailer. Anything else (the SHA-1 defaults included) gets no check.
 */
function pssCheck(parameters: ArrayBuffer | null | undefined): SignatureCheck | undefined {
  if (!(parameters instanceof ArrayBuffer)) return undefined;
  try {
    const params = AsnConvert.parse(parameters, RsaSaPssParams);
    const hash = PSS_HASHES[params.hashAlgorithm.algorithm];
    const mgf = params.maskGenAlgorithm;
    if (
      hash === undefined ||
      mgf.algorithm !== id_mgf1 ||
      !(mgf.parameters instanceof ArrayBuffer)
    ) {
      return undefined;
    }
    const mgfHash = AsnConvert.parse(mgf.parameters, AlgorithmIdentifier).algorithm;
    if (PSS_HASHES[mgfHash] !== hash || params.trailerField !== 1) return undefined;
    return { keyKind: "rsa", hash, rsaPadding: "pss", pssSaltLength: params.saltLength };
  } catch {
    return undefined;
  }
}
