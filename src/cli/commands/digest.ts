import type { Sha256, Sha256Impl } from "../../digest/types.ts";
import { isImgverifyError } from "../../errors.ts";
import { sha256Digest } from "../../oci/content/digest.ts";
import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, usageError } from "../errors.ts";
import { terminalLogger } from "../logger.ts";
import { writeJson } from "../output.ts";
import { readAll } from "../read-all.ts";

const impls: readonly Sha256Impl[] = ["wasm", "noble", "webcrypto"];

/** WebCrypto cannot stream, so its input is held whole; past this, stream instead. */
const MAX_ONE_SHOT_BYTES = 256 * 1024 * 1024;

function parseImpl(value: string | undefined): Sha256Impl | undefined {
  if (value === undefined || (impls as readonly string[]).includes(value)) {
    return value as Sha256Impl | undefined;
  }
  throw usageError(`unknown --impl "${value}": choose one of ${impls.join(", ")}`, "digest");
}

/** Streams through the hasher where it can; WebCrypto hashes the whole input in one call. */
async function hashChunks(
  sha256: Sha256,
  chunks: AsyncIterable<Uint8Array>,
  file: string,
): Promise<Uint8Array> {
  let stream: ReturnType<Sha256["stream"]>;
  try {
    stream = sha256.stream();
  } catch (err) {
    if (!isImgverifyError(err, "DIGEST_UNSUPPORTED")) throw err;
    const what = file === "-" ? "standard input" : `file "${file}"`;
    return sha256.hash(await readAll(chunks, MAX_ONE_SHOT_BYTES, what));
  }
  for await (const chunk of chunks) stream.update(chunk);
  return stream.digest();
}

export const digestCommand: Command = defineCommand({
  name: "digest",
  summary: "Print the SHA-256 digest of files.",
  usage: "[--impl wasm|noble|webcrypto] FILE...",
  details: `
Prints "sha256:<hex>  FILE" for each FILE, in order; "-" reads standard input.
With --json, prints [{"file", "digest"}]. wasm and noble stream the file in
chunks; webcrypto reads it whole (up to 256 MiB). Exit 2 when a file cannot be
read.`,
  flags: {
    impl: {
      type: "string",
      value: "IMPL",
      description:
        "SHA-256 implementation: wasm, noble or webcrypto (default: wasm where it loads, else noble).",
    },
  },
  async run({ io, flags, positionals, global }) {
    const impl = parseImpl(flags.impl);
    if (positionals.length === 0) {
      throw usageError("digest needs at least one FILE (- for standard input)", "digest");
    }
    if (positionals.filter((file) => file === "-").length > 1) {
      throw usageError("standard input (-) can be read only once", "digest");
    }
    const sha256 = await io.loadSha256(impl, terminalLogger(io.stderr));
    const results: { file: string; digest: string }[] = [];
    for (const file of positionals) {
      const digest = sha256Digest(await hashChunks(sha256, io.readChunks(file), file));
      if (global.json) results.push({ file, digest });
      else io.stdout(`${digest}  ${file}\n`);
    }
    if (global.json) writeJson(io, results);
    return EXIT_OK;
  },
});
