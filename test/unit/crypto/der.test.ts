import { describe, expect, test } from "vitest";
import { DerReader, encodeDer } from "../../../src/crypto/der.ts";
import { ecdsaDerToP1363 } from "../../../src/crypto/signature/ecdsa-signature.ts";
import { thrownCode } from "../../support/errors.ts";

const r = new Uint8Array(32).fill(0x11);
const s = new Uint8Array(32).fill(0x22);
/** SEQUENCE { INTEGER r, INTEGER s } with 32-byte positive values. */
const canonical = new Uint8Array([0x30, 68, 0x02, 32, ...r, 0x02, 32, ...s]);

describe("DerReader", () => {
  const reader = (bytes: number[]) => new DerReader(new Uint8Array(bytes), "CERT_INVALID", "test");

  test("reads short and long form lengths", () => {
    expect(reader([0x04, 2, 9, 9]).single()).toEqual({ tag: 4, start: 0, contentStart: 2, end: 4 });
    const long = [0x04, 0x81, 200, ...new Array(200).fill(1)];
    expect(reader(long).single()).toMatchObject({ contentStart: 3, end: 203 });
  });

  test.each([
    ["indefinite length", [0x30, 0x80, 0, 0]],
    ["long form for a short length", [0x04, 0x81, 0x05, 1, 2, 3, 4, 5]],
    ["length with a leading zero byte", [0x04, 0x82, 0x00, 0x81, ...new Array(0x81).fill(0)]],
    ["content running past the end", [0x04, 5, 1, 2]],
    ["trailing bytes", [0x04, 1, 1, 0]],
    ["multi-byte tag", [0x1f, 0x81, 0x01, 0]],
    ["truncated header", [0x30]],
  ])("refuses %s", (_, bytes) => {
    expect(thrownCode(() => reader(bytes).single())).toBe("CERT_INVALID");
  });

  test("encodeDer round-trips through the reader", () => {
    for (const size of [0, 1, 127, 128, 255, 256, 70_000]) {
      const encoded = encodeDer(0x04, new Uint8Array(size).fill(7));
      const element = new DerReader(encoded, "CERT_INVALID", "test").whole(0x04);
      expect(element.end - element.contentStart).toBe(size);
    }
  });
});

describe("ecdsaDerToP1363", () => {
  test("converts a canonical signature", () => {
    expect(ecdsaDerToP1363(canonical, 32)).toEqual(new Uint8Array([...r, ...s]));
  });

  test("keeps the sign byte out and pads short values on the left", () => {
    const high = new Uint8Array(32).fill(0xff);
    const der = new Uint8Array([0x30, 38, 0x02, 33, 0, ...high, 0x02, 1, 5]);
    const out = ecdsaDerToP1363(der, 32);
    expect(out.subarray(0, 32)).toEqual(high);
    expect(out.subarray(32)).toEqual(new Uint8Array([...new Array(31).fill(0), 5]));
  });

  test.each([
    ["a needless leading zero", [0x30, 69, 0x02, 33, 0, ...r, 0x02, 32, ...s]],
    ["a negative integer", [0x30, 68, 0x02, 32, 0x80, ...r.subarray(1), 0x02, 32, ...s]],
    ["a zero r", [0x30, 39, 0x02, 1, 0, 0x02, 32, ...s]],
    ["an empty integer", [0x30, 36, 0x02, 0, 0x02, 32, ...s]],
    ["a value wider than the curve", [0x30, 69, 0x02, 33, 1, ...r, 0x02, 32, ...s]],
    ["a third integer", [0x30, 71, 0x02, 32, ...r, 0x02, 32, ...s, 0x02, 1, 1]],
    ["a missing s", [0x30, 34, 0x02, 32, ...r]],
    ["trailing bytes after the sequence", [...canonical, 0]],
    ["a BER long-form length", [0x30, 0x81, 68, 0x02, 32, ...r, 0x02, 32, ...s]],
    ["a wrong outer tag", [0x31, 68, 0x02, 32, ...r, 0x02, 32, ...s]],
    ["an OCTET STRING in place of an integer", [0x30, 68, 0x04, 32, ...r, 0x02, 32, ...s]],
  ])("refuses %s as SIGNATURE_MALFORMED", (_, bytes) => {
    expect(thrownCode(() => ecdsaDerToP1363(new Uint8Array(bytes), 32))).toBe(
      "SIGNATURE_MALFORMED",
    );
  });
});
