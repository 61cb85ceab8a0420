/**
 * Content digests (`algorithm:encoded`). The OCI grammar allows any algorithm;
 * this client accepts the two registered ones with their exact encodings and
 * verifies sha256, the one every registry computes.
 */
import { bytesToHex } from "@noble/hashes/utils.js";

/** A Map: the algorithm comes from input, and `constructor` is no algorithm. */
const ENCODINGS: ReadonlyMap<string, RegExp> = new Map([
  ["sha256", /^[a-f0-9]{64}$/],
  ["sha512", /^[a-f0-9]{128}$/],
]);

/** Why `value` is not an acceptable digest, or undefined when it is one. */
export function digestProblem(value: string): string | undefined {
  const colon = value.indexOf(":");
  if (colon < 0) return "a digest has the form algorithm:hex";
  const algorithm = value.slice(0, colon);
  const encoding = ENCODINGS.get(algorithm);
  if (encoding === undefined) {
    return `digest algorithm "${algorithm}" is not supported (sha256 or sha512)`;
  }
  if (!encoding.test(value.slice(colon + 1))) {
    const length = algorithm === "sha256" ? 64 : 128;
    return `a ${algorithm} digest is ${length} lower-case hex characters`;
  }
  return undefined;
}

export function isDigest(value: unknown): value is string {
  return typeof value === "string" && digestProblem(value) === undefined;
}

/** `sha256:<hex>` of a raw 32-byte SHA-256 value. */
export function sha256Digest(raw: Uint8Array): string {
  return `sha256:${bytesToHex(raw)}`;
}
