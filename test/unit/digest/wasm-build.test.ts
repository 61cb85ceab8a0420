/**
 * The committed module is exactly what its source compiles to. Needs the
 * AssemblyScript compiler and the file system: Node, Bun and Deno, not workerd.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createWasmSha256 } from "../../../src/digest/wasm.ts";
import { compileSha256, outputPath } from "../../../wasm/build.mjs";

describe("wasm/build/sha256.wasm", () => {
  it("is a byte-identical rebuild of wasm/assembly/sha256.ts (run `npm run build:wasm`)", async () => {
    const [committed, rebuilt] = await Promise.all([readFile(outputPath), compileSha256()]);
    expect(new Uint8Array(rebuilt)).toEqual(new Uint8Array(committed));
  }, 60_000);

  it("a module without the core's exports is refused with DIGEST_WASM_INVALID", async () => {
    const empty = await WebAssembly.compile(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await expect(createWasmSha256(empty)).rejects.toMatchObject({
      code: "DIGEST_WASM_INVALID",
      message: expect.stringContaining("lacks the exports memory, STATE"),
    });
  });
});
