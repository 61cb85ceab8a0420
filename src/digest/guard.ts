import { ImgverifyError } from "../errors.ts";
import type { DigestErrorCode, Sha256Impl } from "./types.ts";

/** Throws `DIGEST_INPUT` unless `data` is a `Uint8Array`: anything else would hash the wrong bytes. */
export function assertBytes(data: unknown, impl: Sha256Impl): asserts data is Uint8Array {
  if (data instanceof Uint8Array) return;
  const got = data === null ? "null" : (data?.constructor?.name ?? typeof data);
  throw new ImgverifyError<DigestErrorCode>(
    "DIGEST_INPUT",
    `SHA-256 (${impl}) takes a Uint8Array, got ${got}`,
  );
}

/** Throws `DIGEST_STATE` when a stream is used after its `digest()`. */
export function assertOpen(finished: boolean, impl: Sha256Impl, step: "update" | "digest"): void {
  if (!finished) return;
  throw new ImgverifyError<DigestErrorCode>(
    "DIGEST_STATE",
    `SHA-256 (${impl}) stream: ${step}() called after digest(); start a new stream`,
  );
}
