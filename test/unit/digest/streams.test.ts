/**
 * Streams: many live at once over one WASM instance, interleaved in any order
 * and across awaits, plus misuse, which fails with a coded error.
 */
import { describe, expect, it } from "vitest";
import type { Sha256Impl, Sha256Stream } from "../../../src/digest/types.ts";
import { isImgverifyError } from "../../../src/errors.ts";
import { loadSha256 } from "../../../src/runtime/sha256-file.ts";
import { chunked, hex, nobleHex, randomBytes, randomInt, seededRandom } from "./support.ts";

interface Job {
  data: Uint8Array;
  chunks: Uint8Array[];
  next: number;
  stream: Sha256Stream;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (err) {
    return isImgverifyError(err) ? err.code : `not an ImgverifyError: ${String(err)}`;
  }
  return undefined;
}

describe("interleaved WASM streams", () => {
  it("keeps 200 streams apart in random order, with one-shot hashes in between", async () => {
    const wasm = await loadSha256("wasm");
    const random = seededRandom(42);
    const jobs: Job[] = Array.from({ length: 200 }, () => {
      const data = randomBytes(random, randomInt(random, 20_000));
      // Mostly small chunks (many swaps), sometimes more than the 64 KiB input window.
      const maxChunk = random() < 0.1 ? 100_000 : 700;
      return { data, chunks: chunked(random, data, maxChunk), next: 0, stream: wasm.stream() };
    });
    const pending = [...jobs];
    let checked = 0;
    while (pending.length > 0) {
      const index = randomInt(random, pending.length - 1);
      const job = pending[index] as Job;
      const chunk = job.chunks[job.next++];
      if (chunk !== undefined) {
        job.stream.update(chunk);
      } else {
        expect(hex(job.stream.digest())).toBe(nobleHex(job.data));
        pending.splice(index, 1);
        checked++;
      }
      if (random() < 0.03) {
        const oneShot = randomBytes(random, randomInt(random, 300));
        expect(hex(await wasm.hash(oneShot))).toBe(nobleHex(oneShot));
      }
    }
    expect(checked).toBe(200);
  });

  it("keeps concurrent async readers apart, and abandoned streams disturb nobody", async () => {
    const wasm = await loadSha256("wasm");
    const random = seededRandom(7);
    const abandoned = wasm.stream();
    abandoned.update(randomBytes(random, 100));
    const readers = Array.from({ length: 32 }, async (_, reader) => {
      const data = randomBytes(seededRandom(reader), 3000 + reader * 97);
      const stream = wasm.stream();
      for (const chunk of chunked(seededRandom(reader + 1000), data, 256)) {
        stream.update(chunk);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return hex(stream.digest()) === nobleHex(data);
    });
    expect(await Promise.all(readers)).toEqual(Array(32).fill(true));
  });

  it("keeps streams of two instances apart", async () => {
    const [one, two] = await Promise.all([loadSha256("wasm"), loadSha256("wasm")]);
    const a = one.stream();
    const b = two.stream();
    const random = seededRandom(11);
    const dataA = randomBytes(random, 1000);
    const dataB = randomBytes(random, 1000);
    for (let offset = 0; offset < 1000; offset += 100) {
      a.update(dataA.subarray(offset, offset + 100));
      b.update(dataB.subarray(offset, offset + 100));
    }
    expect(hex(a.digest())).toBe(nobleHex(dataA));
    expect(hex(b.digest())).toBe(nobleHex(dataB));
  });
});

describe.each<Sha256Impl | undefined>([undefined, "wasm", "noble"])(
  "stream misuse, impl %s",
  (impl) => {
    it("refuses update() and a second digest() after digest() with DIGEST_STATE", async () => {
      const sha256 = await loadSha256(impl);
      const stream = sha256.stream();
      const other = sha256.stream();
      stream.update(new Uint8Array([1, 2, 3]));
      other.update(new TextEncoder().encode("ab"));
      stream.digest();
      expect(codeOf(() => stream.update(new Uint8Array([4])))).toBe("DIGEST_STATE");
      expect(codeOf(() => stream.digest())).toBe("DIGEST_STATE");
      // The mistake leaves the other stream intact.
      other.update(new TextEncoder().encode("c"));
      expect(hex(other.digest())).toBe(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      );
    });

    it("refuses input that is not a Uint8Array with DIGEST_INPUT", async () => {
      const sha256 = await loadSha256(impl);
      const stream = sha256.stream();
      expect(codeOf(() => stream.update("abc" as unknown as Uint8Array))).toBe("DIGEST_INPUT");
      expect(codeOf(() => stream.update([1, 2] as unknown as Uint8Array))).toBe("DIGEST_INPUT");
      await expect(sha256.hash(null as unknown as Uint8Array)).rejects.toMatchObject({
        code: "DIGEST_INPUT",
      });
    });
  },
);

describe("WebCrypto", () => {
  it("cannot stream: stream() throws DIGEST_UNSUPPORTED", async () => {
    const webcrypto = await loadSha256("webcrypto");
    expect(codeOf(() => webcrypto.stream())).toBe("DIGEST_UNSUPPORTED");
  });

  it("refuses input that is not a Uint8Array with DIGEST_INPUT", async () => {
    const webcrypto = await loadSha256("webcrypto");
    await expect(webcrypto.hash("abc" as unknown as Uint8Array)).rejects.toMatchObject({
      code: "DIGEST_INPUT",
    });
  });
});
