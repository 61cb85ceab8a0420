/**
 * The few ASN.1 shapes RFC 5652 (CMS) and RFC 3161 (TSP) use, read with the
 * crypto layer's strict DER reader: a timestamp token has exactly one
 * encoding, and its signed bytes are cut from the input as they are.
 */

import type { HashName } from "../../crypto/index.ts";
import { type DerElement, DerReader } from "../../crypto/index.ts";

export type { DerElement };

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OID: 0x06,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] and [1], constructed (EXPLICIT, or IMPLICIT SET/SEQUENCE). */
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
  /** [0] and [1], primitive (IMPLICIT OCTET STRING or INTEGER). */
  PRIMITIVE_0: 0x80,
  PRIMITIVE_1: 0x81,
} as const;

// Tables keyed by input are Maps, which answer no inherited names.
const HASHES: ReadonlyMap<string, HashName> = new Map([
  ["2.16.840.1.101.3.4.2.1", "sha256"],
  ["2.16.840.1.101.3.4.2.2", "sha384"],
  ["2.16.840.1.101.3.4.2.3", "sha512"],
]);

/** A tuple of at least N elements, so that destructuring needs no casts. */
export type AtLeast<N extends number, T, Head extends T[] = []> = Head["length"] extends N
  ? [...Head, ...T[]]
  : AtLeast<N, T, [...Head, T]>;

export class Asn1Reader extends DerReader {
  constructor(bytes: Uint8Array, what: string) {
    super(bytes, "SIGNATURE_MALFORMED", what);
  }

  /** The children of `element`, which must have `tag` and at least `count` of them. */
  parts<N extends number>(element: DerElement, tag: number, count: N): AtLeast<N, DerElement> {
    const children = this.children(this.expect(element, tag));
    if (children.length < count) this.fail(`expected at least ${count} elements`);
    return children as AtLeast<N, DerElement>;
  }

  /** An OBJECT IDENTIFIER in dotted form. */
  oid(element: DerElement): string {
    const bytes = this.content(this.expect(element, TAG.OID));
    if (bytes.length === 0 || (bytes[bytes.length - 1] as number) & 0x80)
      this.fail("truncated OID");
    const arcs: number[] = [];
    let value = 0;
    for (const byte of bytes) {
      if (value > Number.MAX_SAFE_INTEGER / 128) this.fail("OID arc too large");
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) {
        arcs.push(value);
        value = 0;
      }
    }
    const first = arcs[0] as number;
    const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
    return [...head, ...arcs.slice(1)].join(".");
  }

  /** The digest an AlgorithmIdentifier names: SHA-256, SHA-384 or SHA-512. */
  hash(algorithmIdentifier: DerElement): HashName {
    const [algorithm] = this.parts(algorithmIdentifier, TAG.SEQUENCE, 1);
    const name = this.oid(algorithm);
    const hash = HASHES.get(name);
    if (hash === undefined)
      this.fail(`digest algorithm ${name} is not SHA-256, SHA-384 or SHA-512`);
    return hash;
  }

  /** A copy of an OCTET STRING's contents. */
  octets(element: DerElement): Uint8Array {
    return Uint8Array.from(this.content(this.expect(element, TAG.OCTET_STRING)));
  }

  /** A small non-negative INTEGER (or IMPLICIT-tagged one) as a number. */
  smallInteger(element: DerElement): number {
    const bytes = this.content(element);
    if (bytes.length === 0 || bytes.length > 4 || (bytes[0] as number) & 0x80) {
      this.fail("expected a small non-negative integer");
    }
    return bytes.reduce((acc, byte) => acc * 256 + byte, 0);
  }
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
