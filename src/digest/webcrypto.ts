import { ImgverifyError } from "../errors.ts";
import { assertBytes } from "./guard.ts";
import type { DigestErrorCode, Sha256, Sha256Stream } from "./types.ts";

/** SHA-256 from WebCrypto: native and fastest on large inputs, one-shot only. */
export const webcryptoSha256: Sha256 = {
  impl: "webcrypto",
  stream(): Sha256Stream {
    throw new ImgverifyError<DigestErrorCode>(
      "DIGEST_UNSUPPORTED",
      "WebCrypto SHA-256 cannot hash a stream; use the wasm or noble implementation",
    );
  },
  async hash(data) {
    assertBytes(data, "webcrypto");
    // WebCrypto refuses views of a SharedArrayBuffer; slice() copies into a plain one.
    const input = data.buffer instanceof ArrayBuffer ? data : data.slice();
    return new Uint8Array(await crypto.subtle.digest("SHA-256", input as Uint8Array<ArrayBuffer>));
  },
};
