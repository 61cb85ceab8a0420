import type { CliIo } from "../../../src/cli/io.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";

export interface FakeIo extends CliIo {
  /** Everything written to stdout and stderr so far. */
  out: string;
  err: string;
}

/**
 * An in-memory CliIo: files come from `files`, served in chunks of uneven
 * sizes that straddle SHA-256's 64-byte blocks, and anything a test does not
 * override fails loudly.
 */
export function fakeIo(
  files: Record<string, string | Uint8Array> = {},
  overrides: Partial<CliIo> = {},
): FakeIo {
  const io: FakeIo = {
    out: "",
    err: "",
    stdout(text) {
      io.out += text;
    },
    stderr(text) {
      io.err += text;
    },
    env: () => undefined,
    async *readChunks(path) {
      const content = files[path];
      if (content === undefined) throw new Error(`fake io: no file ${path}`);
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      const sizes = [1, 2, 61, 997];
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const size = sizes[i % sizes.length] as number;
        yield bytes.subarray(at, at + size);
        at += size;
      }
    },
    loadRegistryCredentials: async () => ({ lookup: () => undefined }),
    fetch: () => () => Promise.reject(new Error("fake io: no network")),
    loadSha256: async () => nobleSha256,
    listen: () => Promise.reject(new Error("fake io: no listening")),
    shutdownSignal: () => new Promise(() => {}),
    ...overrides,
  };
  return io;
}
