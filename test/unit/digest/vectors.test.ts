/**
 * FIPS 180-2 / NIST example vectors, one-shot and streamed, for every
 * implementation as the runtime loader provides it.
 */
import { describe, expect, it } from "vitest";
import type { Sha256Impl } from "../../../src/digest/types.ts";
import { loadSha256 } from "../../../src/runtime/sha256-file.ts";
import { hex } from "./support.ts";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

const vectors: { name: string; message: () => Uint8Array; digest: string }[] = [
  {
    name: "empty",
    message: () => new Uint8Array(0),
    digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  },
  {
    name: '"abc"',
    message: () => ascii("abc"),
    digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  },
  {
    name: "448-bit message",
    message: () => ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
    digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  },
  {
    name: "896-bit message",
    message: () =>
      ascii(
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      ),
    digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
  },
  {
    name: "one million 'a'",
    message: () => new Uint8Array(1_000_000).fill(0x61),
    digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  },
];

// undefined: the default the runtime hands out (WASM, WebCrypto for large one-shot inputs).
const impls: (Sha256Impl | undefined)[] = [undefined, "wasm", "noble", "webcrypto"];
const streamingImpls = impls.filter((impl) => impl !== "webcrypto");

describe.each(impls)("SHA-256 test vectors one-shot, impl %s", (impl) => {
  it.each(vectors)("$name", async ({ message, digest }) => {
    const sha256 = await loadSha256(impl);
    expect(hex(await sha256.hash(message()))).toBe(digest);
  });
});

describe.each(streamingImpls)("SHA-256 test vectors streamed, impl %s", (impl) => {
  it.each(vectors)("$name", async ({ message, digest }) => {
    const sha256 = await loadSha256(impl);
    const data = message();
    // Short messages go byte by byte; the million 'a' in 1000-byte steps.
    const step = data.length > 1000 ? 1000 : 1;
    const stream = sha256.stream();
    for (let offset = 0; offset < data.length; offset += step) {
      stream.update(data.subarray(offset, offset + step));
    }
    expect(hex(stream.digest())).toBe(digest);
  });
});
