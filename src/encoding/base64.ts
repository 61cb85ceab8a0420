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
