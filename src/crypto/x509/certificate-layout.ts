/**
 * The raw slices of a certificate, cut with the strict DER reader: the bytes
 * the issuer signed (TBS), the signature, and the fields chaining compares
 * byte for byte. Field decoding is left to @peculiar/asn1-x509.
 */
import { bytesEqual } from "../bytes.ts";
import { DER_BIT_STRING, DER_INTEGER, DER_SEQUENCE, type DerElement, DerReader } from "../der.ts";

const TAG_VERSION = 0xa0;

export interface CertificateLayout {
  /** The TBSCertificate TLV. */
  readonly tbs: Uint8Array;
  /** The signature BIT STRING contents after its unused-bits byte. */
  readonly signature: Uint8Array;
  /** The serial number INTEGER contents. */
  readonly serial: Uint8Array;
  /** The issuer, subject and SubjectPublicKeyInfo TLVs. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly spki: Uint8Array;
}

/** Views into `der`; `CERT_INVALID` for anything that is not one strict DER certificate. */
export function certificateLayout(der: Uint8Array, what: string): CertificateLayout {
  // Typed, so that `fail` (never) narrows below.
  const reader: DerReader = new DerReader(der, "CERT_INVALID", what);
  const parts = reader.children(reader.whole(DER_SEQUENCE));
  if (parts.length !== 3)
    reader.fail(`expected TBS, algorithm and signature, found ${parts.length} parts`);
  const [tbs, outerAlgorithm, signature] = parts as [DerElement, DerElement, DerElement];
  const fields = reader.children(reader.expect(tbs, DER_SEQUENCE));
  const first = fields[0]?.tag === TAG_VERSION ? 1 : 0;
  if (fields.length < first + 6) reader.fail("TBSCertificate is missing fields");
  const [serial, algorithm, issuer, , subject, spki] = fields.slice(first) as DerElement[];
  const sequence = (element: DerElement | undefined) =>
    reader.raw(reader.expect(element as DerElement, DER_SEQUENCE));
  if (!bytesEqual(sequence(algorithm), sequence(outerAlgorithm))) {
    reader.fail("the signature algorithm inside the TBS differs from the outer one");
  }
  const signatureBits = reader.content(reader.expect(signature, DER_BIT_STRING));
  if (signatureBits[0] !== 0) reader.fail("signature BIT STRING has unused bits");
  return {
    tbs: reader.raw(tbs),
    signature: signatureBits.subarray(1),
    serial: reader.content(reader.expect(serial as DerElement, DER_INTEGER)),
    issuer: sequence(issuer),
    subject: sequence(subject),
    spki: sequence(spki),
  };
}
