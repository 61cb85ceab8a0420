/**
 * Public keys from SubjectPublicKeyInfo DER: ECDSA P-256/P-384/P-521,
 * Ed25519 and RSA (2048 to 8192 bits). The SPKI bytes are kept as given: they
 * are what WebCrypto imports and what the key ID is computed over.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  ECParameters,
  id_ecPublicKey,
  id_secp256r1,
  id_secp384r1,
  id_secp521r1,
} from "@peculiar/asn1-ecc";
import { id_RSASSA_PSS, id_rsaEncryption } from "@peculiar/asn1-rsa";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { reasonOf } from "../errors.ts";
import { DER_SEQUENCE, type DerElement, DerReader } from "./der.ts";
import { cryptoError } from "./errors.ts";
import { assertPointOnCurve, type EcCurve } from "./points.ts";

export type { EcCurve };

export type PublicKeyKind = "ecdsa" | "ed25519" | "rsa";

interface PublicKeyCommon {
  /** The SubjectPublicKeyInfo DER, exactly as parsed. */
  readonly spki: Uint8Array;
  /** Lower-case hex SHA-256 of `spki`: a stable name for the key in messages and caches. */
  readonly id: string;
}

export interface EcdsaPublicKey extends PublicKeyCommon {
  readonly kind: "ecdsa";
  readonly curve: EcCurve;
  /** The uncompressed SEC 1 point (0x04 || X || Y). */
  readonly point: Uint8Array;
}

export interface Ed25519PublicKey extends PublicKeyCommon {
  readonly kind: "ed25519";
  /** The 32-byte RFC 8032 encoding. */
  readonly point: Uint8Array;
}

export interface RsaPublicKey extends PublicKeyCommon {
  readonly kind: "rsa";
  /** Modulus length in bits. */
  readonly bits: number;
}

export type PublicKey = EcdsaPublicKey | Ed25519PublicKey | RsaPublicKey;

export const RSA_MIN_BITS = 2048;
/** Larger keys are refused: they buy nothing and make each verification slower. */
export const RSA_MAX_BITS = 8192;

const ID_ED25519 = "1.3.101.112";

/** Byte length of a field element (and of r and s) per curve. */
export const EC_FIELD_BYTES: Readonly<Record<EcCurve, number>> = {
  "P-256": 32,
  "P-384": 48,
  "P-521": 66,
};

const CURVE_BY_OID: Readonly<Record<string, EcCurve>> = {
  [id_secp256r1]: "P-256",
  [id_secp384r1]: "P-384",
  [id_secp521r1]: "P-521",
};

/** Names for keys that are refused, so the message says what was found. */
const REFUSED_NAMES: Readonly<Record<string, string>> = {
  "1.2.840.10040.4.1": "DSA",
  "1.3.101.113": "Ed448",
  "1.3.132.0.10": "secp256k1",
  [id_RSASSA_PSS]: "RSASSA-PSS-only RSA",
};

/** The name of a refused algorithm OID; own keys only, the OID comes from input. */
function refusedName(oid: string): string | undefined {
  return Object.hasOwn(REFUSED_NAMES, oid) ? REFUSED_NAMES[oid] : undefined;
}

/** SHA-256 of the SPKI DER in lower-case hex. */
export function publicKeyId(spki: Uint8Array): string {
  return bytesToHex(sha256(spki));
}

/** "ECDSA P-256 key 3f2a…" — for messages. */
export function describePublicKey(key: PublicKey): string {
  const short = `${key.id.slice(0, 16)}…`;
  switch (key.kind) {
    case "ecdsa":
      return `ECDSA ${key.curve} key ${short}`;
    case "ed25519":
      return `Ed25519 key ${short}`;
    case "rsa":
      return `RSA-${key.bits} key ${short}`;
  }
}

/** Parses SubjectPublicKeyInfo DER; `what` names the key in error messages. */
export function parsePublicKeySpki(der: Uint8Array, what = "public key"): PublicKey {
  const spki = Uint8Array.from(der);
  new DerReader(spki, "KEY_INVALID", what).whole(DER_SEQUENCE);
  let info: SubjectPublicKeyInfo;
  try {
    info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  } catch (err) {
    throw cryptoError("KEY_INVALID", `${what}: not a SubjectPublicKeyInfo: ${reasonOf(err)}`, err);
  }
  const { algorithm, parameters } = info.algorithm;
  const keyBytes = new Uint8Array(info.subjectPublicKey);
  const id = publicKeyId(spki);
  switch (algorithm) {
    case id_ecPublicKey:
      return { kind: "ecdsa", ...ecPoint(parameters, keyBytes, what), spki, id };
    case ID_ED25519:
      if (parameters !== undefined)
        throw cryptoError("KEY_INVALID", `${what}: Ed25519 with parameters`);
      if (keyBytes.length !== 32) {
        throw cryptoError(
          "KEY_INVALID",
          `${what}: Ed25519 key of ${keyBytes.length} bytes, not 32`,
        );
      }
      assertPointOnCurve(undefined, keyBytes, what);
      return { kind: "ed25519", point: keyBytes, spki, id };
    case id_rsaEncryption:
      if (parameters !== null)
        throw cryptoError("KEY_INVALID", `${what}: RSA key without NULL parameters`);
      return { kind: "rsa", bits: rsaModulusBits(keyBytes, what), spki, id };
    default:
      throw cryptoError(
        "KEY_UNSUPPORTED",
        `${what}: ${refusedName(algorithm) ?? `algorithm ${algorithm}`} keys are not supported; ` +
          "use ECDSA P-256/P-384/P-521, Ed25519 or RSA",
      );
  }
}

function ecPoint(
  parameters: ArrayBuffer | null | undefined,
  point: Uint8Array,
  what: string,
): { curve: EcCurve; point: Uint8Array } {
  if (!(parameters instanceof ArrayBuffer))
    throw cryptoError("KEY_INVALID", `${what}: EC key without a curve`);
  let curveOid: string | undefined;
  try {
    curveOid = AsnConvert.parse(parameters, ECParameters).namedCurve;
  } catch (err) {
    throw cryptoError("KEY_INVALID", `${what}: EC parameters do not parse: ${reasonOf(err)}`, err);
  }
  const curve = curveOid === undefined ? undefined : CURVE_BY_OID[curveOid];
  if (curve === undefined) {
    const name =
      curveOid === undefined ? "explicit curve parameters" : (refusedName(curveOid) ?? curveOid);
    throw cryptoError(
      "KEY_UNSUPPORTED",
      `${what}: EC curve ${name} is not supported; use P-256, P-384 or P-521`,
    );
  }
  const size = EC_FIELD_BYTES[curve];
  if (point[0] === 0x02 || point[0] === 0x03) {
    throw cryptoError(
      "KEY_UNSUPPORTED",
      `${what}: compressed EC points are not accepted (as in Go's crypto/x509)`,
    );
  }
  if (point[0] !== 0x04 || point.length !== 1 + 2 * size) {
    throw cryptoError(
      "KEY_INVALID",
      `${what}: ${curve} point is not an uncompressed point of ${1 + 2 * size} bytes`,
    );
  }
  assertPointOnCurve(curve, point, what);
  return { curve, point };
}

function rsaModulusBits(pkcs1: Uint8Array, what: string): number {
  const reader = new DerReader(pkcs1, "KEY_INVALID", `${what} (RSAPublicKey)`);
  const parts = reader.children(reader.whole(DER_SEQUENCE));
  if (parts.length !== 2) reader.fail("expected modulus and exponent");
  const [modulus, exponent] = parts as [DerElement, DerElement];
  const n = reader.unsignedInteger(modulus);
  const e = reader.unsignedInteger(exponent);
  const bits = (n.length - 1) * 8 + (32 - Math.clz32(n[0] as number));
  if (bits < RSA_MIN_BITS) {
    throw cryptoError(
      "KEY_TOO_SMALL",
      `${what}: RSA key of ${bits} bits is below the ${RSA_MIN_BITS}-bit minimum`,
    );
  }
  if (bits > RSA_MAX_BITS) {
    throw cryptoError(
      "KEY_UNSUPPORTED",
      `${what}: RSA key of ${bits} bits is above the ${RSA_MAX_BITS}-bit maximum`,
    );
  }
  const exponentValue = e.length > 4 ? Number.NaN : e.reduce((acc, byte) => acc * 256 + byte, 0);
  if (!(exponentValue >= 3 && exponentValue % 2 === 1 && exponentValue < 2 ** 31)) {
    reader.fail("RSA public exponent must be odd, at least 3 and below 2^31");
  }
  return bits;
}

/**
 * Wraps a PKCS#1 RSAPublicKey (`BEGIN RSA PUBLIC KEY`) in a SubjectPublicKeyInfo;
 * `parsePublicKeySpki` then checks the RSAPublicKey strictly.
 */
export function rsaPkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  const info = new SubjectPublicKeyInfo();
  info.algorithm.algorithm = id_rsaEncryption;
  info.algorithm.parameters = null;
  info.subjectPublicKey = Uint8Array.from(pkcs1).buffer;
  return new Uint8Array(AsnConvert.serialize(info));
}
