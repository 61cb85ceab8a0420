/**
 * The implementations agree with @noble/hashes (the oracle) and with WebCrypto
 * on every length around the block boundaries, on random chunkings, and on
 * inputs of several MiB that cross the WASM input window many times.
 */
import { describe, expect, it } from "vitest";
import { WEBCRYPTO_ONE_SHOT_MIN_BYTES } from "../../../src/digest/select.ts";
import type { Sha256 } from "../../../src/digest/types.ts";
import { loadSha256 } from "../../../src/runtime/sha256-file.ts";
import { chunked, hex, nobleHex, randomBytes, randomInt, seededRandom } from "./support.ts";

const MiB = 1024 * 1024;

function streamHex(sha256: Sha256, chunks: Uint8Array[]): string {
  const stream = sha256.stream();
  for (const chunk of chunks) stream.update(chunk);
  return hex(stream.digest());
}

describe("SHA-256 agreement", () => {
  it("every length from 0 to 300 bytes: wasm and noble streams, default and WebCrypto one-shot", async () => {
    const [wasm, noble, standard, webcrypto] = await Promise.all([
      loadSha256("wasm"),
      loadSha256("noble"),
      loadSha256(),
      loadSha256("webcrypto"),
    ]);
    const random = seededRandom(300);
    for (let length = 0; length <= 300; length++) {
      const data = randomBytes(random, length);
      const expected = nobleHex(data);
      expect(hex(await webcrypto.hash(data)), `webcrypto, ${length} bytes`).toBe(expected);
      expect(hex(await standard.hash(data)), `default, ${length} bytes`).toBe(expected);
      expect(hex(await wasm.hash(data)), `wasm one-shot, ${length} bytes`).toBe(expected);
      expect(streamHex(wasm, [data]), `wasm stream, ${length} bytes`).toBe(expected);
      expect(streamHex(noble, [data]), `noble stream, ${length} bytes`).toBe(expected);
    }
  });

  it.each([1, 2, 3])("random chunkings of random messages (seed %i)", async (seed) => {
    const [wasm, noble] = await Promise.all([loadSha256("wasm"), loadSha256("noble")]);
    const webcrypto = await loadSha256("webcrypto");
    const random = seededRandom(seed);
    for (let trial = 0; trial < 40; trial++) {
      const data = randomBytes(random, randomInt(random, 4096));
      const expected = hex(await webcrypto.hash(data));
      expect(nobleHex(data)).toBe(expected);
      const maxChunk = [1, 63, 64, 65, 200, 4096][trial % 6] ?? 64;
      expect(streamHex(wasm, chunked(random, data, maxChunk)), `trial ${trial}`).toBe(expected);
      expect(streamHex(noble, chunked(random, data, maxChunk)), `trial ${trial}`).toBe(expected);
    }
  });

  it("5 MiB in random chunks up to 300 KiB, crossing the WASM input window", async () => {
    const wasm = await loadSha256("wasm");
    const webcrypto = await loadSha256("webcrypto");
    const random = seededRandom(5);
    const data = randomBytes(random, 5 * MiB + 17);
    const expected = hex(await webcrypto.hash(data));
    expect(nobleHex(data)).toBe(expected);
    expect(streamHex(wasm, chunked(random, data, 300 * 1024))).toBe(expected);
    expect(streamHex(wasm, [data])).toBe(expected);
    expect(hex(await wasm.hash(data))).toBe(expected);
  });

  it("the default one-shot agrees on both sides of the WebCrypto threshold", async () => {
    const standard = await loadSha256();
    const random = seededRandom(8);
    for (const delta of [-65, -1, 0, 1, 64]) {
      const data = randomBytes(random, WEBCRYPTO_ONE_SHOT_MIN_BYTES + delta);
      expect(hex(await standard.hash(data)), `${data.length} bytes`).toBe(nobleHex(data));
    }
  });

  it("hashes views at any offset of a larger buffer, and returns digests it does not reuse", async () => {
    const wasm = await loadSha256("wasm");
    const random = seededRandom(9);
    const backing = randomBytes(random, 1000);
    const first = await wasm.hash(backing.subarray(3, 500));
    const firstHex = hex(first);
    await wasm.hash(backing.subarray(1, 999));
    expect(hex(first)).toBe(firstHex);
    expect(firstHex).toBe(nobleHex(backing.slice(3, 500)));
  });
});
