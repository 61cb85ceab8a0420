/**
 * Base64 of bytes with `btoa`, which only takes Latin-1 text: the bytes go in
 * as one character each, in chunks so `String.fromCharCode` never sees an
 * argument list long enough to overflow the stack.
 */
const CHUNK = 0x8000;

export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Base64 of the UTF-8 encoding of `text`. */
export function encodeUtf8Base64(text: string): string {
  return encodeBase64(new TextEncoder().encode(text));
}
