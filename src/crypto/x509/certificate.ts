/**
 * X.509 certificates. Fields are decoded with @peculiar/asn1-x509; the slices
 * that signatures and chaining depend on (TBS, names, SPKI) are cut from the
 * input with the strict DER reader, so they are exactly the signed bytes.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate as AsnCertificate } from "@peculiar/asn1-x509";
import { reasonOf } from "../../errors.ts";
import { DER_SEQUENCE } from "../der.ts";
import { cryptoError } from "../errors.ts";
import { decodePem } from "../pem.ts";
import { type PublicKey, parsePublicKeySpki } from "../public-key.ts";
import {
  type CertificateSignatureAlgorithm,
  certificateSignatureAlgorithm,
} from "../signature/signature-algorithm.ts";
import { certificateLayout } from "./certificate-layout.ts";
import {
  type CertificateExtension,
  decodeStandardExtensions,
  type StandardExtensions,
} from "./extensions.ts";
import { decodeFulcioExtensions, type FulcioExtensions } from "./fulcio-extensions.ts";
import { type DistinguishedName, distinguishedName } from "./name.ts";

/** A parsed certificate; make one with `parseCertificate` or `parseCertificates`. */
export class Certificate {
  readonly der: Uint8Array;
  /** The TBSCertificate DER: what the issuer signed. */
  readonly tbs: Uint8Array;
  /** The signature value (BIT STRING contents without the unused-bits byte). */
  readonly signature: Uint8Array;
  readonly signatureAlgorithm: CertificateSignatureAlgorithm;
  /** 1, 2 or 3. */
  readonly version: number;
  /** The serial number's DER INTEGER contents, in lower-case hex. */
  readonly serialNumber: string;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  readonly extensions: readonly CertificateExtension[];
  // The standard extensions, decoded once, typed where they are decoded.
  readonly subjectAltNames: StandardExtensions["subjectAltNames"];
  readonly basicConstraints: StandardExtensions["basicConstraints"];
  readonly keyUsage: StandardExtensions["keyUsage"];
  readonly extKeyUsage: StandardExtensions["extKeyUsage"];
  readonly subjectKeyId: StandardExtensions["subjectKeyId"];
  readonly authorityKeyId: StandardExtensions["authorityKeyId"];
  /** The embedded TLS-encoded SignedCertificateTimestampList, when present. */
  readonly sctList: StandardExtensions["sctList"];
  readonly fulcio: FulcioExtensions;
  /** SHA-256 of `der`, lower-case hex. */
  readonly fingerprint: string;
  #publicKey: PublicKey | undefined;

  constructor(input: Uint8Array, what = "certificate") {
    const der = Uint8Array.from(input);
    const layout = certificateLayout(der, what);
    let asn: AsnCertificate;
    try {
      asn = AsnConvert.parse(der, AsnCertificate);
    } catch (err) {
      throw cryptoError("CERT_INVALID", `${what}: does not parse: ${reasonOf(err)}`, err);
    }
    const body = asn.tbsCertificate;
    this.der = der;
    this.tbs = layout.tbs;
    this.signature = layout.signature;
    this.signatureAlgorithm = certificateSignatureAlgorithm(asn.signatureAlgorithm);
    this.version = body.version + 1;
    this.serialNumber = bytesToHex(layout.serial);
    this.issuer = distinguishedName(body.issuer, layout.issuer);
    this.subject = distinguishedName(body.subject, layout.subject);
    this.notBefore = body.validity.notBefore.getTime();
    this.notAfter = body.validity.notAfter.getTime();
    this.spki = layout.spki;
    this.extensions = (body.extensions ?? []).map((extension) => ({
      oid: extension.extnID,
      critical: extension.critical,
      value: new Uint8Array(extension.extnValue.buffer),
    }));
    checkExtensionList(this.extensions, this.version, what);
    const standard = decodeStandardExtensions(this.extensions, what);
    this.subjectAltNames = standard.subjectAltNames;
    this.basicConstraints = standard.basicConstraints;
    this.keyUsage = standard.keyUsage;
    this.extKeyUsage = standard.extKeyUsage;
    this.subjectKeyId = standard.subjectKeyId;
    this.authorityKeyId = standard.authorityKeyId;
    this.sctList = standard.sctList;
    this.fulcio = decodeFulcioExtensions(this.extensions, what);
    this.fingerprint = bytesToHex(sha256(der));
  }

  /** The subject's public key, parsed at first use (a root with an unsupported key still parses). */
  get publicKey(): PublicKey {
    this.#publicKey ??= parsePublicKeySpki(this.spki, `${this.describe()}: public key`);
    return this.#publicKey;
  }

  extension(oid: string): CertificateExtension | undefined {
    return this.extensions.find((extension) => extension.oid === oid);
  }

  /** `certificate "O=sigstore.dev, CN=sigstore" (serial 1a2b…)`, or the first SAN when the subject is empty. */
  describe(): string {
    const name =
      this.subject.text || this.subjectAltNames.map((san) => san.value).find(Boolean) || "";
    return `certificate "${name}" (serial ${this.serialNumber.slice(0, 16)})`;
  }
}

function checkExtensionList(
  extensions: readonly CertificateExtension[],
  version: number,
  what: string,
): void {
  const refuse = (reason: string) => cryptoError("CERT_INVALID", `${what}: ${reason}`);
  if (extensions.length > 0 && version !== 3)
    throw refuse(`extensions in a version ${version} certificate`);
  const seen = new Set<string>();
  for (const { oid } of extensions) {
    if (seen.has(oid)) throw refuse(`extension ${oid} appears twice`);
    seen.add(oid);
  }
}

/** Parses one DER certificate; `what` names it in error messages. */
export function parseCertificate(der: Uint8Array, what?: string): Certificate {
  return new Certificate(der, what);
}

/**
 * Certificates from PEM text (one or more `CERTIFICATE` blocks, at most
 * `MAX_PEM_BLOCKS`), or from DER bytes (one certificate, as `.cer`/`.der`
 * files hold it). Bytes that do not start like DER are read as PEM text.
 */
export function parseCertificates(
  input: string | Uint8Array,
  what = "certificates",
): Certificate[] {
  if (input instanceof Uint8Array && input[0] === DER_SEQUENCE)
    return [parseCertificate(input, what)];
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  const blocks = decodePem(text, what);
  return blocks.map((block, index) => {
    const name =
      blocks.length === 1 ? what : `${what}, certificate ${index + 1} of ${blocks.length}`;
    if (block.label !== "CERTIFICATE") {
      throw cryptoError(
        "CERT_INVALID",
        `${name}: expected a CERTIFICATE PEM block, found "${block.label}"`,
      );
    }
    return parseCertificate(block.der, name);
  });
}
