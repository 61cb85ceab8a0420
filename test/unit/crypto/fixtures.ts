/**
 * Keys and certificates made on the fly with WebCrypto and @peculiar/asn1-x509,
 * independent of the code under test (its own DER writer for ECDSA signatures).
 */
import { id_mgf1, id_RSASSA_PSS, id_sha256, RsaSaPssParams } from "@peculiar/asn1-rsa";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  Certificate as AsnCertificate,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyUsage,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { type Certificate, parseCertificate } from "../../../src/crypto/x509/certificate.ts";

export type KeySpec =
  | "P-256"
  | "P-384"
  | "P-521"
  | "Ed25519"
  | "RSA-1024"
  | "RSA-2048"
  | "RSA-3072";
export type TestHash = "sha256" | "sha384" | "sha512";

export interface SignOptions {
  hash?: TestHash;
  padding?: "pkcs1v15" | "pss";
  saltLength?: number;
  /** ECDSA output: DER (default, as cosign) or WebCrypto's r||s. */
  format?: "der" | "p1363";
}

export interface TestKey {
  readonly spec: KeySpec;
  readonly spki: Uint8Array;
  readonly pem: string;
  sign(data: Uint8Array, options?: SignOptions): Promise<Uint8Array>;
}

const subtle = globalThis.crypto.subtle;
const WEB_HASH = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" } as const;

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

export function pem(label: string, der: Uint8Array): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function derInteger(magnitude: Uint8Array): number[] {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const value = [...magnitude.subarray(start)];
  if ((value[0] as number) >= 0x80) value.unshift(0);
  return [0x02, value.length, ...value];
}

/** r||s to ECDSA-Sig-Value DER (lengths stay below 128 for P-256/P-384; long form for P-521). */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  const half = signature.length / 2;
  const body = [
    ...derInteger(signature.subarray(0, half)),
    ...derInteger(signature.subarray(half)),
  ];
  const length = body.length < 0x80 ? [body.length] : [0x81, body.length];
  return new Uint8Array([0x30, ...length, ...body]);
}

function generateParams(spec: KeySpec): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  if (spec === "Ed25519") return { name: "Ed25519" };
  if (spec.startsWith("P-")) return { name: "ECDSA", namedCurve: spec } as EcKeyGenParams;
  return {
    name: "RSA-PSS",
    modulusLength: Number(spec.slice(4)),
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  } as RsaHashedKeyGenParams;
}

const keys = new Map<KeySpec, Promise<TestKey>>();

/** A key pair of `spec`, made once per test file. */
export function testKey(spec: KeySpec): Promise<TestKey> {
  let key = keys.get(spec);
  if (key === undefined) {
    key = makeKey(spec);
    keys.set(spec, key);
  }
  return key;
}

async function makeKey(spec: KeySpec): Promise<TestKey> {
  const pair = (await subtle.generateKey(generateParams(spec), true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
  const pkcs8 = await subtle.exportKey("pkcs8", pair.privateKey);
  return {
    spec,
    spki,
    pem: pem("PUBLIC KEY", spki),
    async sign(data, options = {}) {
      const hash = WEB_HASH[options.hash ?? "sha256"];
      if (spec === "Ed25519") {
        return new Uint8Array(
          await subtle.sign({ name: "Ed25519" }, pair.privateKey, data as BufferSource),
        );
      }
      if (spec.startsWith("P-")) {
        const raw = new Uint8Array(
          await subtle.sign(
            { name: "ECDSA", hash } as EcdsaParams,
            pair.privateKey,
            data as BufferSource,
          ),
        );
        return options.format === "p1363" ? raw : p1363ToDer(raw);
      }
      const name = options.padding === "pss" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5";
      const privateKey = await subtle.importKey(
        "pkcs8",
        pkcs8,
        { name, hash } as RsaHashedImportParams,
        false,
        ["sign"],
      );
      const params = { name, saltLength: options.saltLength ?? 32 } as RsaPssParams;
      return new Uint8Array(await subtle.sign(params, privateKey, data as BufferSource));
    },
  };
}

/** CN=`commonName`, or the empty name (as Fulcio leaves have) for "". */
export function name(commonName: string): Name {
  if (commonName === "") return new Name([]);
  const attribute = new AttributeTypeAndValue({
    type: "2.5.4.3",
    value: new AttributeValue({ utf8String: commonName }),
  });
  return new Name([new RelativeDistinguishedName([attribute])]);
}

export function extension(
  oid: string,
  critical: boolean,
  value: ArrayBuffer | Uint8Array,
): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(value) });
}

export const EXT = {
  ca: (pathLen?: number) =>
    extension(
      "2.5.29.19",
      true,
      AsnConvert.serialize(new BasicConstraints({ cA: true, pathLenConstraint: pathLen })),
    ),
  notCa: () =>
    extension("2.5.29.19", true, AsnConvert.serialize(new BasicConstraints({ cA: false }))),
  keyUsage: (flags: number) =>
    extension("2.5.29.15", true, AsnConvert.serialize(new KeyUsage(flags))),
  eku: (...oids: string[]) =>
    extension("2.5.29.37", false, AsnConvert.serialize(new ExtendedKeyUsage(oids))),
  san: (...names: GeneralName[]) =>
    extension("2.5.29.17", true, AsnConvert.serialize(new SubjectAlternativeName(names))),
};

export interface IssuedCertificate {
  /** The subject common name. */
  readonly subject: string;
  readonly der: Uint8Array;
  readonly cert: Certificate;
  readonly key: TestKey;
}

export interface CertificateSpec {
  subject: string;
  key: TestKey;
  /** The issuing certificate and its key; absent for self-signed. */
  issuer?: IssuedCertificate;
  notBefore?: Date;
  notAfter?: Date;
  extensions?: Extension[];
  /** Sign with RSASSA-PSS (SHA-256, salt 32) instead of PKCS#1 v1.5 when the issuer key is RSA. */
  pss?: boolean;
  serial?: number;
}

export const VALID_FROM = new Date("2024-01-01T00:00:00Z");
export const VALID_TO = new Date("2034-01-01T00:00:00Z");
export const INSIDE = new Date("2025-06-01T00:00:00Z");

function signatureAlgorithm(
  signer: TestKey,
  pss: boolean,
): { algorithm: AlgorithmIdentifier; options: SignOptions } {
  switch (signer.spec) {
    case "Ed25519":
      return { algorithm: new AlgorithmIdentifier({ algorithm: "1.3.101.112" }), options: {} };
    case "P-256":
      return {
        algorithm: new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" }),
        options: { hash: "sha256" },
      };
    case "P-384":
    case "P-521":
      return {
        algorithm: new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.3" }),
        options: { hash: "sha384" },
      };
    default: {
      if (!pss) {
        return {
          algorithm: new AlgorithmIdentifier({
            algorithm: "1.2.840.113549.1.1.11",
            parameters: null,
          }),
          options: { hash: "sha256" },
        };
      }
      const sha256 = new AlgorithmIdentifier({ algorithm: id_sha256, parameters: null });
      const params = new RsaSaPssParams({
        hashAlgorithm: sha256,
        maskGenAlgorithm: new AlgorithmIdentifier({
          algorithm: id_mgf1,
          parameters: AsnConvert.serialize(sha256),
        }),
        saltLength: 32,
      });
      return {
        algorithm: new AlgorithmIdentifier({
          algorithm: id_RSASSA_PSS,
          parameters: AsnConvert.serialize(params),
        }),
        options: { hash: "sha256", padding: "pss", saltLength: 32 },
      };
    }
  }
}

/** A v3 certificate for `spec.key`, signed by `spec.issuer` (or by itself). */
export async function issue(spec: CertificateSpec): Promise<IssuedCertificate> {
  const signer = spec.issuer?.key ?? spec.key;
  const { algorithm, options } = signatureAlgorithm(signer, spec.pss ?? false);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array([spec.serial ?? 1]).buffer,
    signature: algorithm,
    issuer: name(spec.issuer?.subject ?? spec.subject),
    validity: new Validity({
      notBefore: spec.notBefore ?? VALID_FROM,
      notAfter: spec.notAfter ?? VALID_TO,
    }),
    subject: name(spec.subject),
    subjectPublicKeyInfo: AsnConvert.parse(spec.key.spki, SubjectPublicKeyInfo),
    extensions: new Extensions(spec.extensions ?? []),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = await signer.sign(tbsDer, options);
  const der = new Uint8Array(
    AsnConvert.serialize(
      new AsnCertificate({
        tbsCertificate: tbs,
        signatureAlgorithm: algorithm,
        signatureValue: signature.buffer as ArrayBuffer,
      }),
    ),
  );
  return { subject: spec.subject, der, cert: parseCertificate(der), key: spec.key };
}

export function email(address: string): GeneralName {
  return new GeneralName({ rfc822Name: address });
}
