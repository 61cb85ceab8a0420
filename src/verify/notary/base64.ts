/**
 * Strict base64 decoding: JWS fields are unpadded base64url (RFC 7515 section
 * 2) and `x5c` entries padded standard base64 (section 4.1.6). `atob` alone
 * would accept whitespace and mixed alphabets, so the text is checked first.
 */
import { decodeCheckedBase64 } from "../../encoding/base64.ts";
import { notaryError } from "./errors.ts";

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Unpadded base64url, as JWS writes `protected`, `payload` and `signature`. */
export function decodeBase64Url(text: unknown, what: string): Uint8Array {
  if (typeof text !== "string" || !BASE64URL.test(text) || text.length % 4 === 1) {
    throw notaryError("ENVELOPE_INVALID", `${what} is not unpadded base64url`);
  }
  return decodeCheckedBase64(text, "base64url");
}

/** Padded standard base64, as JSON carries `x5c` certificates and byte fields. */
export function decodeBase64(text: unknown, what: string): Uint8Array {
  if (typeof text !== "string" || !BASE64.test(text)) {
    throw notaryError("ENVELOPE_INVALID", `${what} is not padded base64`);
  }
  return decodeCheckedBase64(text);
}
