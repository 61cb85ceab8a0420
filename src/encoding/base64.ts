/**
 * Base64 of bytes: the runtime's `Uint8Array.prototype.toBase64` where it has
 * one (Bun, Deno, recent V8), else `btoa`, which only takes Latin-1 text: the
 * bytes go in as one character each, in chunks so `String.fromCharCode` never
 * sees an argument list long enough to overflow the stack.
 */
const CHUNK = 0x8000;

type WithToBase64 = Uint8Array & { toBase64?: () => string };

export function encodeBase64(bytes: Uint8Array): string {
  const native = (bytes as WithToBase64).toBase64;
  if (typeof native === "function") return native.call(bytes);
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    // apply, not a spread: a spread copies the chunk into an argument array first.
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

/** Base64 of the UTF-8 encoding of `text`. */
export function encodeUtf8Base64(text: string): string {
  return encodeBase64(new TextEncoder().encode(text));
}

type WithFromBase64 = typeof Uint8Array & {
  fromBase64?: (
    text: string,
    options: { alphabet: "base64" | "base64url"; lastChunkHandling: "loose" },
  ) => Uint8Array;
};

const fromBase64 = (Uint8Array as WithFromBase64).fromBase64;

/**
 * The bytes of base64 `text` whose alphabet, padding and length the caller
 * has checked: the runtime's `Uint8Array.fromBase64` where it has one (Bun,
 * Deno), else `atob`. Padding may be left out; the unused bits of the last
 * character are ignored by both, as Go's and the browsers' decoders do.
 */
export function decodeCheckedBase64(
  text: string,
  alphabet: "base64" | "base64url" = "base64",
): Uint8Array {
  if (fromBase64 !== undefined) {
    return fromBase64.call(Uint8Array, text, { alphabet, lastChunkHandling: "loose" });
  }
  const standard = alphabet === "base64url" ? text.replaceAll("-", "+").replaceAll("_", "/") : text;
  const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, "="));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
