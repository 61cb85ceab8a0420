import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import type { Sha256Impl } from "../../../src/digest/types.ts";
import { webcryptoSha256 } from "../../../src/digest/webcrypto.ts";
import { ImgverifyError } from "../../../src/errors.ts";
import { fakeIo } from "./fake-io.ts";

// FIPS 180-2 examples and the classic pangram.
const vectors: Record<string, string> = {
  "": "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  abc: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  "The quick brown fox jumps over the lazy dog":
    "sha256:d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
  ["a".repeat(1_000_000)]:
    "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
};

const files: Record<string, string> = {
  "empty.txt": "",
  "abc.txt": "abc",
  "fox.txt": "The quick brown fox jumps over the lazy dog",
  "million-a.bin": "a".repeat(1_000_000),
  "-": "abc",
};

function ioWith(requested: (Sha256Impl | undefined)[] = []) {
  return fakeIo(files, {
    loadSha256: async (impl) => {
      requested.push(impl);
      return impl === "webcrypto" ? webcryptoSha256 : nobleSha256;
    },
  });
}

describe("imgverify digest", () => {
  it.each([undefined, "noble", "webcrypto"] as const)(
    "prints 'sha256:<hex>  FILE' per file in order with --impl %s",
    async (impl) => {
      const requested: (Sha256Impl | undefined)[] = [];
      const io = ioWith(requested);
      const names = ["empty.txt", "abc.txt", "fox.txt", "million-a.bin"];
      const argv = ["digest", ...(impl ? ["--impl", impl] : []), ...names];
      expect(await runCli(argv, io)).toBe(0);
      expect(requested).toEqual([impl]);
      expect(io.out).toBe(names.map((name) => `${vectors[files[name] ?? ""]}  ${name}\n`).join(""));
      expect(io.err).toBe("");
    },
  );

  it("reads standard input for '-'", async () => {
    const io = ioWith();
    expect(await runCli(["digest", "-"], io)).toBe(0);
    expect(io.out).toBe(`${vectors.abc}  -\n`);
  });

  it("prints [{file, digest}] with --json", async () => {
    const io = ioWith();
    expect(await runCli(["digest", "--json", "abc.txt", "-", "empty.txt"], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual([
      { file: "abc.txt", digest: vectors.abc },
      { file: "-", digest: vectors.abc },
      { file: "empty.txt", digest: vectors[""] },
    ]);
  });

  it("stops at the first unreadable file with exit 2", async () => {
    const io = fakeIo(files, {
      readChunks: (path) => {
        if (path !== "gone.txt") return fakeIo(files).readChunks(path);
        throw new ImgverifyError(
          "CLI_FILE_UNREADABLE",
          'cannot read file "gone.txt": no such file',
        );
      },
    });
    expect(await runCli(["digest", "abc.txt", "gone.txt", "fox.txt"], io)).toBe(2);
    expect(io.out).toBe(`${vectors.abc}  abc.txt\n`);
    expect(io.err).toBe('imgverify: cannot read file "gone.txt": no such file\n');
  });

  it.each([
    [["digest"], "digest needs at least one FILE (- for standard input)"],
    [["digest", "-", "-"], "standard input (-) can be read only once"],
    [
      ["digest", "--impl", "md5", "x"],
      'unknown --impl "md5": choose one of wasm, noble, webcrypto',
    ],
  ])("refuses %j", async (argv, message) => {
    const io = ioWith();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.err).toBe(`imgverify: ${message} (see 'imgverify digest --help')\n`);
  });
});
