import { sha256 } from "@noble/hashes/sha2.js";
import { assertBytes, assertOpen } from "./guard.ts";
import type { Sha256, Sha256Stream } from "./types.ts";

/** SHA-256 from @noble/hashes: pure JS, always available, the fallback. */
export const nobleSha256: Sha256 = {
  impl: "noble",
  stream(): Sha256Stream {
    const hasher = sha256.create();
    let finished = false;
    return {
      update(chunk) {
        assertOpen(finished, "noble", "update");
        assertBytes(chunk, "noble");
        hasher.update(chunk);
      },
      digest() {
        assertOpen(finished, "noble", "digest");
        finished = true;
        return hasher.digest();
      },
    };
  },
  async hash(data) {
    assertBytes(data, "noble");
    return sha256(data);
  },
};
