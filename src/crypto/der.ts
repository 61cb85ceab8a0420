/**
 * A strict DER reader for the few places where exact bytes matter: ECDSA
 * signatures (a lenient parse would let one signature take many encodings) and
 * the raw slices of a certificate that signatures are computed over. Structured
 * decoding of certificate fields is left to @peculiar/asn1-schema.
 */
import { type CryptoErrorCode, cryptoError } from "./errors.ts";

export const DER_SEQUENCE = 0x30;
export const DER_INTEGER = 0x02;
export const DER_BIT_STRING = 0x03;
export const DER_OCTET_STRING = 0x04;
export const DER_OID = 0x06;

/** UTF8String, PrintableString, IA5String: the string types X.509 extensions here use. */
export const DER_STRING_TAGS: ReadonlySet<number> = new Set([0x0c, 0x13, 0x16]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** One TLV: `tag` at `start`, its contents in `[contentStart, end)`. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads TLVs from `bytes`; every violation throws `code` with `what` in the message. */
export class DerReader {
  readonly bytes: Uint8Array;
  readonly #code: CryptoErrorCode;
  readonly #what: string;

  constructor(bytes: Uint8Array, code: CryptoErrorCode, what: string) {
    this.bytes = bytes;
    this.#code = code;
    this.#what = what;
  }

  fail(reason: string): never {
    throw cryptoError(this.#code, `${this.#what}: ${reason}`);
  }

  /** The element at `offset`, which must end by `limit`. Only low tag numbers and definite, minimal lengths. */
  element(offset: number, limit: number = this.bytes.length): DerElement {
    const { bytes } = this;
    if (offset + 2 > limit) this.fail("truncated DER element");
    const tag = bytes[offset] as number;
    if ((tag & 0x1f) === 0x1f) this.fail(`multi-byte tag at byte ${offset} is not used here`);
    const first = bytes[offset + 1] as number;
    let length = first;
    let contentStart = offset + 2;
    if (first >= 0x80) {
      const count = first & 0x7f;
      if (count === 0) this.fail("indefinite length is not DER");
      if (count > 4) this.fail(`length of ${count} bytes is too large`);
      if (contentStart + count > limit) this.fail("truncated DER length");
      if (bytes[contentStart] === 0) this.fail("length with a leading zero byte is not DER");
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[contentStart + i] as number);
      if (length < 0x80) this.fail("long-form length below 128 is not DER");
      contentStart += count;
    }
    const end = contentStart + length;
    if (end > limit) this.fail("DER element runs past its container");
    return { tag, start: offset, contentStart, end };
  }

  /** The single element spanning all of `bytes`. */
  single(): DerElement {
    const element = this.element(0);
    if (element.end !== this.bytes.length) this.fail("trailing bytes after the DER element");
    return element;
  }

  /** The single element spanning all of `bytes`, with tag `tag`. */
  whole(tag: number): DerElement {
    return this.expect(this.single(), tag);
  }

  /** The elements inside a constructed `parent`, which must fill it exactly. */
  children(parent: DerElement): DerElement[] {
    const items: DerElement[] = [];
    for (let at = parent.contentStart; at < parent.end; ) {
      const child = this.element(at, parent.end);
      items.push(child);
      at = child.end;
    }
    return items;
  }

  expect(element: DerElement, tag: number): DerElement {
    if (element.tag !== tag) {
      this.fail(`expected tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`);
    }
    return element;
  }

  /** The whole TLV bytes of `element` (a view, not a copy). */
  raw(element: DerElement): Uint8Array {
    return this.bytes.subarray(element.start, element.end);
  }

  content(element: DerElement): Uint8Array {
    return this.bytes.subarray(element.contentStart, element.end);
  }

  /** A UTF8String, PrintableString or IA5String as text; invalid UTF-8 is refused. */
  string(element: DerElement): string {
    if (!DER_STRING_TAGS.has(element.tag)) {
      this.fail(`expected a string, found tag 0x${element.tag.toString(16)}`);
    }
    try {
      return utf8.decode(this.content(element));
    } catch {
      this.fail("string is not valid UTF-8");
    }
  }

  /** The magnitude of a non-negative, minimally encoded INTEGER, without a sign byte. */
  unsignedInteger(element: DerElement): Uint8Array {
    const value = this.content(this.expect(element, DER_INTEGER));
    if (value.length === 0) this.fail("empty INTEGER");
    const lead = value[0] as number;
    if (lead >= 0x80) this.fail("negative INTEGER");
    if (lead === 0 && value.length > 1) {
      if ((value[1] as number) < 0x80) this.fail("INTEGER with a needless leading zero is not DER");
      return value.subarray(1);
    }
    return value;
  }
}

/** DER for one TLV with `tag` around `content`. */
export function encodeDer(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  const header: number[] = [tag];
  if (length < 0x80) {
    header.push(length);
  } else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256))
      lengthBytes.unshift(rest % 256);
    header.push(0x80 | lengthBytes.length, ...lengthBytes);
  }
  const out = new Uint8Array(header.length + length);
  out.set(header);
  out.set(content, header.length);
  return out;
}
