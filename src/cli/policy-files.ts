/**
 * The YAML and JSON files a command is pointed at: each FILE, and every
 * .yaml, .yml and .json file under each DIR, read whole as UTF-8 within
 * bounds, for the policy loader (check-policy, apply, serve) and for
 * resource manifests (apply).
 */
import { ImgverifyError } from "../errors.ts";
import { type LoadResult, loadPolicies, type PolicyFile } from "../policy/index.ts";
import { YAML_LIMITS } from "../policy/kyverno/yaml-documents.ts";
import { type CliErrorCode, usageError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { readAll } from "./read-all.ts";

export const MANIFEST_EXTENSIONS: readonly string[] = [".yaml", ".yml", ".json"];
/** Policy trees hold tens of files; far more means the wrong directory. */
export const MAX_FILES = 1_000;
/** UTF-8 never takes fewer bytes than characters, so this keeps within the loader's bound. */
export const MAX_FILE_BYTES: number = YAML_LIMITS.maxFileChars;
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** Every file the arguments name, each once, in argument then walk order. */
export async function manifestPaths(
  io: Pick<CliIo, "listFiles">,
  args: readonly string[],
  command: string,
): Promise<string[]> {
  const paths = new Set<string>();
  for (const arg of args) {
    const found = await io.listFiles(arg, {
      extensions: MANIFEST_EXTENSIONS,
      maxFiles: MAX_FILES,
    });
    if (found.length === 0) {
      throw usageError(
        `directory "${arg}" holds no ${MANIFEST_EXTENSIONS.join(", ")} files`,
        command,
      );
    }
    for (const path of found) paths.add(path);
  }
  if (paths.size > MAX_FILES) {
    throw usageError(`more than ${MAX_FILES} files named`, command);
  }
  return [...paths];
}

export async function readTextFiles(
  io: Pick<CliIo, "readChunks">,
  paths: readonly string[],
): Promise<PolicyFile[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const files: PolicyFile[] = [];
  let total = 0;
  for (const path of paths) {
    const bytes = await readAll(io.readChunks(path), MAX_FILE_BYTES, `file "${path}"`);
    total += bytes.byteLength;
    if (total > MAX_TOTAL_BYTES) {
      throw new ImgverifyError<CliErrorCode>(
        "CLI_FILE_TOO_LARGE",
        `the files come to more than ${MAX_TOTAL_BYTES} bytes (at "${path}")`,
      );
    }
    try {
      files.push({ path, text: decoder.decode(bytes) });
    } catch (err) {
      throw new ImgverifyError<CliErrorCode>(
        "CLI_FILE_UNREADABLE",
        `cannot read file "${path}": not UTF-8 text`,
        { cause: err },
      );
    }
  }
  return files;
}

/**
 * The policies (and the ConfigMaps beside them) under `args`; throws
 * `PolicyLoadError` listing every issue when any document is refused.
 */
export async function loadPolicyArgs(
  io: CliIo,
  args: readonly string[],
  command: string,
): Promise<LoadResult> {
  return loadPolicies(await readTextFiles(io, await manifestPaths(io, args, command)));
}
