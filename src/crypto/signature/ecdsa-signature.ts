import { DER_INTEGER, DER_SEQUENCE, DerReader, encodeDer } from "../der.ts";

/**
 * ECDSA-Sig-Value DER (SEQUENCE { r INTEGER, s INTEGER }, as cosign and X.509
 * carry it) to IEEE P1363 r||s, each left-padded to `fieldBytes`, as WebCrypto
 * takes it. Strict: BER leniencies, negative or zero values, values wider than
 * the curve and trailing bytes are `SIGNATURE_MALFORMED`, so each signature has
 * exactly one accepted encoding.
 */
export function ecdsaDerToP1363(der: Uint8Array, fieldBytes: number): Uint8Array {
  const reader = new DerReader(der, "SIGNATURE_MALFORMED", "ECDSA signature");
  const parts = reader.children(reader.whole(DER_SEQUENCE));
  if (parts.length !== 2) reader.fail(`expected 2 integers (r, s), found ${parts.length} elements`);
  const out = new Uint8Array(2 * fieldBytes);
  parts.forEach((part, index) => {
    const name = index === 0 ? "r" : "s";
    const value = reader.unsignedInteger(part);
    if (value.every((byte) => byte === 0)) reader.fail(`${name} is zero`);
    if (value.length > fieldBytes)
      reader.fail(`${name} is wider than the curve (${value.length} > ${fieldBytes} bytes)`);
    out.set(value, (index + 1) * fieldBytes - value.length);
  });
  return out;
}

/** IEEE P1363 r||s (what WebCrypto signs) as ECDSA-Sig-Value DER, the form cosign and X.509 carry. */
export function ecdsaP1363ToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const r = derUnsignedInteger(raw.subarray(0, half));
  const s = derUnsignedInteger(raw.subarray(half));
  const body = new Uint8Array(r.length + s.length);
  body.set(r);
  body.set(s, r.length);
  return encodeDer(DER_SEQUENCE, body);
}

/** A positive DER INTEGER: leading zeros dropped, one 0x00 kept before a high bit. */
function derUnsignedInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return encodeDer(DER_INTEGER, needsPad ? Uint8Array.of(0, ...trimmed) : trimmed);
}
