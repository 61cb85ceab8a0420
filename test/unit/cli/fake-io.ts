import type { CliIo } from "../../../src/cli/io.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { ImgverifyError } from "../../../src/errors.ts";

export interface FakeIo extends CliIo {
  /** Everything written to stdout and stderr so far. */
  out: string;
  err: string;
  /** Permission bits of each file written through `writeFiles`. */
  modes: Record<string, number>;
}

/**
 * An in-memory CliIo: files come from `files`, served in chunks of uneven
 * sizes that straddle SHA-256's 64-byte blocks; a directory is any prefix of
 * their names up to a "/"; `writeFiles` adds to them. Anything a test does
 * not override fails loudly.
 */
export function fakeIo(
  files: Record<string, string | Uint8Array> = {},
  overrides: Partial<CliIo> = {},
): FakeIo {
  const io: FakeIo = {
    out: "",
    err: "",
    modes: {},
    stdout(text) {
      io.out += text;
    },
    stderr(text) {
      io.err += text;
    },
    env: () => undefined,
    envNames: () => [],
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
    async listFiles(path, { extensions, maxFiles }) {
      if (files[path] !== undefined) return [path];
      const under = Object.keys(files)
        .filter((name) => name.startsWith(`${path.replace(/\/$/, "")}/`))
        .sort();
      if (under.length === 0) {
        throw new ImgverifyError("CLI_FILE_UNREADABLE", `cannot read file "${path}": no such file`);
      }
      const found = under.filter((name) => extensions.some((ext) => name.endsWith(ext)));
      if (found.length > maxFiles) throw new Error(`fake io: more than ${maxFiles} files`);
      return found;
    },
    loadRegistryCredentials: async () => ({ lookup: () => undefined }),
    fetch: () => () => Promise.reject(new Error("fake io: no network")),
    loadSha256: async () => nobleSha256,
    async writeFiles(written, { overwrite }) {
      const taken = written.filter((f) => files[f.path] !== undefined).map((f) => f.path);
      if (!overwrite && taken.length > 0) {
        throw new ImgverifyError("CLI_FILE_EXISTS", `not overwriting ${taken.join(", ")}`);
      }
      for (const f of written) {
        files[f.path] = f.text;
        io.modes[f.path] = f.mode;
      }
    },
    inClusterConfigMaps: () => Promise.reject(new Error("fake io: not in a cluster")),
    inClusterSecrets: () => Promise.reject(new Error("fake io: not in a cluster")),
    listen: () => Promise.reject(new Error("fake io: no listening")),
    shutdownSignal: () => new Promise(() => {}),
    ...overrides,
  };
  return io;
}
