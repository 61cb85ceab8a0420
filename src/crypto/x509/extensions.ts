/**
 * The standard X.509 v3 extensions imgverify reads, decoded from the raw
 * extension list of a certificate.
 */

import { bytesToHex } from "@noble/hashes/utils.js";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  type KeyUsageType,
  SubjectAlternativeName,
} from "@peculiar/asn1-x509";
import { isImgverifyError, reasonOf } from "../../errors.ts";
import { DER_OCTET_STRING, DER_STRING_TAGS, DerReader } from "../der.ts";
import { cryptoError } from "../errors.ts";

export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The contents of extnValue: the extension's own DER. */
  readonly value: Uint8Array;
}

export type KeyUsageName = KeyUsageType;

/** One SubjectAltName entry. otherName carries its type OID; `value` is set when it is a string. */
export type SubjectAltName =
  | { readonly type: "email" | "uri" | "dns" | "ip"; readonly value: string }
  | {
      readonly type: "otherName";
      readonly typeId: string;
      readonly value: string | undefined;
      /** The DER inside otherName's [0]. */
      readonly raw: Uint8Array;
    };

export interface BasicConstraintsValue {
  readonly ca: boolean;
  readonly pathLen: number | undefined;
}

/** Embedded SignedCertificateTimestampList (RFC 6962 3.3). */
export const OID_SCT_LIST = "1.3.6.1.4.1.11129.2.4.2";

export interface StandardExtensions {
  readonly subjectAltNames: readonly SubjectAltName[];
  readonly basicConstraints: BasicConstraintsValue | undefined;
  readonly keyUsage: readonly KeyUsageName[] | undefined;
  /** Key purpose OIDs. */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly subjectKeyId: string | undefined;
  readonly authorityKeyId: string | undefined;
  /** The TLS-encoded SCT list (the OCTET STRING unwrapped). */
  readonly sctList: Uint8Array | undefined;
}

/** Decodes one extension with `decode`; a failure is `CERT_INVALID` naming the extension. */
function decoded<T>(
  extension: CertificateExtension | undefined,
  name: string,
  what: string,
  decode: (value: Uint8Array) => T,
): T | undefined {
  if (extension === undefined) return undefined;
  try {
    return decode(extension.value);
  } catch (err) {
    if (isImgverifyError(err)) throw err;
    throw cryptoError("CERT_INVALID", `${what}: ${name} extension: ${reasonOf(err)}`, err);
  }
}

function subjectAltName(entry: SubjectAlternativeName[number], what: string): SubjectAltName[] {
  if (entry.rfc822Name !== undefined) return [{ type: "email", value: entry.rfc822Name }];
  if (entry.uniformResourceIdentifier !== undefined) {
    return [{ type: "uri", value: entry.uniformResourceIdentifier }];
  }
  if (entry.dNSName !== undefined) return [{ type: "dns", value: entry.dNSName }];
  if (entry.iPAddress !== undefined) return [{ type: "ip", value: entry.iPAddress }];
  if (entry.otherName !== undefined) {
    const raw = new Uint8Array(entry.otherName.value);
    const reader = new DerReader(
      raw,
      "CERT_INVALID",
      `${what}: otherName ${entry.otherName.typeId}`,
    );
    const inner = reader.single();
    return [
      {
        type: "otherName",
        typeId: entry.otherName.typeId,
        value: DER_STRING_TAGS.has(inner.tag) ? reader.string(inner) : undefined,
        raw,
      },
    ];
  }
  return []; // directoryName, registeredID, x400Address, ediPartyName: not identities here
}

export function decodeStandardExtensions(
  extensions: readonly CertificateExtension[],
  what: string,
): StandardExtensions {
  const byOid = (oid: string) => extensions.find((extension) => extension.oid === oid);
  const basic = decoded(byOid(id_ce_basicConstraints), "basicConstraints", what, (value) =>
    AsnConvert.parse(value, BasicConstraints),
  );
  return {
    subjectAltNames:
      decoded(byOid(id_ce_subjectAltName), "subjectAltName", what, (value) =>
        // Spread first: flatMap on the schema's array subclass would build another subclass.
        [...AsnConvert.parse(value, SubjectAlternativeName)].flatMap((entry) =>
          subjectAltName(entry, what),
        ),
      ) ?? [],
    basicConstraints:
      basic === undefined ? undefined : { ca: basic.cA, pathLen: basic.pathLenConstraint },
    keyUsage: decoded(byOid(id_ce_keyUsage), "keyUsage", what, (value) =>
      AsnConvert.parse(value, KeyUsage).toJSON(),
    ),
    extKeyUsage: decoded(byOid(id_ce_extKeyUsage), "extKeyUsage", what, (value) => [
      ...AsnConvert.parse(value, ExtendedKeyUsage),
    ]),
    subjectKeyId: decoded(
      byOid(id_ce_subjectKeyIdentifier),
      "subjectKeyIdentifier",
      what,
      (value) => octetStringHex(value, what),
    ),
    authorityKeyId: decoded(
      byOid(id_ce_authorityKeyIdentifier),
      "authorityKeyIdentifier",
      what,
      (value) => {
        const id = AsnConvert.parse(value, AuthorityKeyIdentifier).keyIdentifier;
        return id === undefined ? undefined : bytesToHex(new Uint8Array(id.buffer));
      },
    ),
    sctList: decoded(byOid(OID_SCT_LIST), "SCT list", what, (value) => {
      const reader = new DerReader(value, "CERT_INVALID", `${what}: SCT list`);
      return Uint8Array.from(reader.content(reader.whole(DER_OCTET_STRING)));
    }),
  };
}

function octetStringHex(value: Uint8Array, what: string): string {
  const reader = new DerReader(value, "CERT_INVALID", what);
  return bytesToHex(reader.content(reader.whole(DER_OCTET_STRING)));
}
