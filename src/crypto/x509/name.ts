import type { Name } from "@peculiar/asn1-x509";

export interface NameAttribute {
  readonly oid: string;
  /** The short name ("CN", "O", ...) or, for attributes without one, the OID. */
  readonly type: string;
  readonly value: string;
}

/** An X.509 Name: its exact DER (what issuer/subject chaining compares) and its attributes. */
export interface DistinguishedName {
  readonly der: Uint8Array;
  /** Every attribute, in encoded order (most general first). */
  readonly attributes: readonly NameAttribute[];
  /** "O=sigstore.dev, CN=sigstore": for messages, not for matching. */
  readonly text: string;
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.17": "postalCode",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
};

export function distinguishedName(name: Name, der: Uint8Array): DistinguishedName {
  const attributes: NameAttribute[] = [];
  const rdnTexts: string[] = [];
  for (const rdn of name) {
    const parts: string[] = [];
    for (const { type: oid, value } of rdn) {
      const attribute = { oid, type: SHORT_NAMES[oid] ?? oid, value: value.toString() };
      attributes.push(attribute);
      parts.push(`${attribute.type}=${attribute.value}`);
    }
    rdnTexts.push(parts.join("+"));
  }
  return { der, attributes, text: rdnTexts.join(", ") };
}

/** The values of the attribute named `type` (short name or OID), in order. */
export function nameValues(name: DistinguishedName, type: string): string[] {
  return name.attributes.filter((a) => a.type === type || a.oid === type).map((a) => a.value);
}
