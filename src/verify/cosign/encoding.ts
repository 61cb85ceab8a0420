/**
 * Byte and text encodings of cosign's formats: base64 as Go's decoders take
 * it, JSON read strictly as UTF-8, and the canonical JSON (RFC 8785) that
 * Rekor signs its entry timestamps over.
 */
import { decodeCheckedBase64 } from "../../encoding/base64.ts";
import { reasonOf } from "../../errors.ts";
import { type CosignErrorCode, cosignError } from "./errors.ts";

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Padded base64 (Go's StdEncoding, which skips line breaks), or also its
 * URL-safe alphabet where DSSE allows it. Anything else is `code`.
 */
export function decodeBase64(
  text: string,
  what: string,
  code: CosignErrorCode,
  options: { urlSafe?: boolean } = {},
): Uint8Array {
  const compact = text.replace(/\r?\n/g, "");
  const standard = STANDARD.test(compact);
  const urlSafe = !standard && options.urlSafe === true && URL_SAFE.test(compact);
  if ((!standard && !urlSafe) || compact.length % 4 !== 0) {
    throw cosignError(code, `${what} is not base64`);
  }
  return decodeCheckedBase64(compact, urlSafe ? "base64url" : "base64");
}

/** Parses UTF-8 JSON bytes or text of at most `maxBytes`; every failure is `code` naming `what`. */
export function parseJson(
  input: Uint8Array | string,
  what: string,
  code: CosignErrorCode,
  maxBytes: number,
): unknown {
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > maxBytes) throw cosignError(code, `${what} is ${size} bytes, more than ${maxBytes}`);
  try {
    return JSON.parse(typeof input === "string" ? input : utf8.decode(input));
  } catch (err) {
    throw cosignError(code, `${what} is not UTF-8 JSON: ${reasonOf(err)}`, err);
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * RFC 8785 for the values JSON.parse yields: keys sorted by UTF-16 code units,
 * no whitespace; strings and numbers are serialised as ECMAScript does, which
 * is what the RFC prescribes.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}
