import { describe, expect, it } from "vitest";
import {
  decodeCheckedBase64,
  encodeBase64,
  encodeUtf8Base64,
} from "../../../src/encoding/base64.ts";

function reference(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

describe("encodeBase64", () => {
  it.each([0, 1, 2, 3, 594, 0x8000, 0x8000 * 3 + 7])("encodes %i bytes", (length) => {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);
    expect(encodeBase64(bytes)).toBe(reference(bytes));
  });

  it("encodes a view into a larger buffer by its own bytes only", () => {
    const whole = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(encodeBase64(whole.subarray(10, 13))).toBe(reference(Uint8Array.of(10, 11, 12)));
  });

  it("encodes text as UTF-8", () => {
    expect(encodeUtf8Base64("µ[]")).toBe("wrVbXQ==");
  });
});

describe("decodeCheckedBase64", () => {
  it.each([0, 1, 2, 3, 4, 5, 594, 4099])(
    "decodes %i bytes in both alphabets, padded or not",
    (length) => {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 197 + 3) & 0xff);
      const padded = reference(bytes);
      const url = padded.replaceAll("+", "-").replaceAll("/", "_");
      expect(decodeCheckedBase64(padded)).toEqual(bytes);
      expect(decodeCheckedBase64(padded.replace(/=+$/, ""))).toEqual(bytes);
      expect(decodeCheckedBase64(url, "base64url")).toEqual(bytes);
      expect(decodeCheckedBase64(url.replace(/=+$/, ""), "base64url")).toEqual(bytes);
    },
  );

  it("ignores the unused bits of the last character, as Go's decoder does", () => {
    expect(new TextDecoder().decode(decodeCheckedBase64("aGl="))).toBe("hi");
    expect(new TextDecoder().decode(decodeCheckedBase64("aGk="))).toBe("hi");
  });
});
