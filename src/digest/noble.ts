import { sha256 } from "@noble/hashes/sha2.js";
import type { Sha256, Sha256Stream } from "./types.ts";

/** SHA-256 from @noble/hashes: pure JS, always available, the fallback. */
export const nobleSha256: Sha256 = {
  impl: "noble",
  stream(): Sha256Stream {
    const hasher = sha256.create();
    return {
      update(chunk) {
        hasher.update(chunk);
      },
      digest: () => hasher.digest(),
    };
  },
  hash: (data) => Promise.resolve(sha256(data)),
};
