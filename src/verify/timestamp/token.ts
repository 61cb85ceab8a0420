/**
 * RFC 3161 TimeStampTokens: a CMS SignedData (RFC 5652) with one signer whose
 * content is a TSTInfo. Parsed from strict DER, keeping the exact bytes the
 * TSA signed (the TSTInfo and the signed attributes).
 */
import type { HashName } from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import { Asn1Reader, type DerElement, hex, TAG } from "./asn1.ts";
import { timestampError } from "./errors.ts";
import { parseTstInfo, type TstInfo } from "./tst-info.ts";

const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_TST_INFO = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const MAX_TOKEN_CERTIFICATES = 10;

export interface TimestampSigner {
  /** IssuerAndSerialNumber: the issuer Name DER and the serial's INTEGER contents in hex. */
  readonly issuer: Uint8Array | undefined;
  readonly serialNumber: string | undefined;
  /** Or a subjectKeyIdentifier, in hex. */
  readonly subjectKeyId: string | undefined;
  readonly digest: HashName;
  readonly signatureAlgorithm: string;
  /** The signed attributes re-tagged as the SET OF that was signed. */
  readonly signedAttributes: Uint8Array;
  readonly messageDigest: Uint8Array;
  readonly signature: Uint8Array;
}

export interface TimestampToken extends TstInfo {
  /** DER certificates the token carries (the TSA's and, usually, its issuers'). */
  readonly certificates: readonly Uint8Array[];
  readonly signer: TimestampSigner;
  /** The DER TSTInfo the signer's messageDigest covers. */
  readonly tstInfo: Uint8Array;
}

/**
 * `TIMESTAMP_INVALID` for anything that is not a DER TimeStampToken imgverify
 * can check; `what` names the token in the message.
 */
export function parseTimestampToken(bytes: Uint8Array, what = "timestamp"): TimestampToken {
  try {
    return parseToken(new Asn1Reader(bytes, "timestamp token"));
  } catch (err) {
    throw timestampError(
      "TIMESTAMP_INVALID",
      `the ${what} is not a DER RFC 3161 token: ${reasonOf(err)}`,
      err,
    );
  }
}

function parseToken(reader: Asn1Reader): TimestampToken {
  const [contentType, wrapped] = reader.parts(reader.single(), TAG.SEQUENCE, 2);
  if (reader.oid(contentType) !== OID_SIGNED_DATA) reader.fail("not a CMS SignedData");
  const [signedData] = reader.parts(wrapped, TAG.CONTEXT_0, 1);
  // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
  const fields = reader.parts(signedData, TAG.SEQUENCE, 4);
  const [eContentType, eContentWrapper] = reader.parts(fields[2], TAG.SEQUENCE, 2);
  const contentOid = reader.oid(eContentType);
  if (contentOid !== OID_TST_INFO) reader.fail(`content type ${contentOid} is not id-ct-TSTInfo`);
  const [eContent] = reader.parts(eContentWrapper, TAG.CONTEXT_0, 1);
  const tstInfo = reader.octets(eContent);
  const signerInfos = reader.children(
    reader.expect(fields[fields.length - 1] as DerElement, TAG.SET),
  );
  if (signerInfos.length !== 1) reader.fail(`${signerInfos.length} signers, expected one`);
  const certificateSet = fields.slice(3, -1).find((element) => element.tag === TAG.CONTEXT_0);
  const certificates =
    certificateSet === undefined
      ? []
      : reader
          .children(certificateSet)
          .filter((choice) => choice.tag === TAG.SEQUENCE) // plain certificates, not attribute certificates
          .map((choice) => Uint8Array.from(reader.raw(choice)));
  if (certificates.length > MAX_TOKEN_CERTIFICATES) reader.fail("too many certificates");
  return {
    certificates,
    signer: parseSigner(reader, signerInfos[0] as DerElement, contentOid),
    tstInfo,
    ...parseTstInfo(tstInfo),
  };
}

function parseSigner(reader: Asn1Reader, element: DerElement, contentOid: string): TimestampSigner {
  // version, sid, digestAlgorithm, [0] signedAttrs (required by RFC 3161), signatureAlgorithm, signature
  const [, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature] = reader.parts(
    element,
    TAG.SEQUENCE,
    6,
  );
  const byKeyId = sid.tag === TAG.PRIMITIVE_0;
  const [issuer, serial] = byKeyId ? [] : reader.parts(sid, TAG.SEQUENCE, 2);
  const attributes = reader.children(reader.expect(signedAttrs, TAG.CONTEXT_0));
  const signedAttributes = Uint8Array.from(reader.raw(signedAttrs));
  signedAttributes[0] = TAG.SET;
  let messageDigest: Uint8Array | undefined;
  let contentTypeSigned = false;
  for (const attribute of attributes) {
    const [type, values] = reader.parts(attribute, TAG.SEQUENCE, 2);
    const [value] = reader.parts(values, TAG.SET, 1);
    const name = reader.oid(type);
    if (name === OID_CONTENT_TYPE) {
      if (reader.oid(value) !== contentOid)
        reader.fail("the signed contentType is not the content's");
      contentTypeSigned = true;
    } else if (name === OID_MESSAGE_DIGEST) {
      messageDigest = reader.octets(value);
    }
  }
  if (!contentTypeSigned || messageDigest === undefined) {
    reader.fail("the signed attributes lack contentType or messageDigest");
  }
  const [algorithm] = reader.parts(signatureAlgorithm, TAG.SEQUENCE, 1);
  return {
    issuer: issuer === undefined ? undefined : Uint8Array.from(reader.raw(issuer)),
    serialNumber:
      serial === undefined ? undefined : hex(reader.content(reader.expect(serial, TAG.INTEGER))),
    subjectKeyId: byKeyId ? hex(reader.content(sid)) : undefined,
    digest: reader.hash(digestAlgorithm),
    signatureAlgorithm: reader.oid(algorithm),
    signedAttributes,
    messageDigest,
    signature: reader.octets(signature),
  };
}
