/**
 * `imgverify check-policy`: loads Kyverno policy files the way the webhook
 * does and says what each policy will check, or every field that keeps it
 * from loading, without contacting any registry.
 */
import { ImgverifyError } from "../errors.ts";
import { checkPolicies, formatCheckResult, type PolicyFile } from "../policy/index.ts";
import { YAML_LIMITS } from "../policy/yaml-documents.ts";
import { type Command, defineCommand } from "./command.ts";
import { type CliErrorCode, EXIT_OK, type ExitCode, usageError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { writeJson } from "./output.ts";
import { readAll } from "./read-all.ts";

const EXTENSIONS: readonly string[] = [".yaml", ".yml", ".json"];
/** Policy trees hold tens of files; far more means the wrong directory. */
const MAX_FILES = 1_000;
/** UTF-8 never takes fewer bytes than characters, so this keeps within the loader's bound. */
const MAX_FILE_BYTES = YAML_LIMITS.maxFileChars;
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
/** Something is refused or malformed: the webhook would not start with these files. */
const EXIT_INVALID: ExitCode = 2;

/** Every file the arguments name, each once, in argument then walk order. */
async function policyPaths(io: CliIo, args: readonly string[]): Promise<string[]> {
  const paths = new Set<string>();
  for (const arg of args) {
    const found = await io.listFiles(arg, { extensions: EXTENSIONS, maxFiles: MAX_FILES });
    if (found.length === 0) {
      throw usageError(
        `directory "${arg}" holds no ${EXTENSIONS.join(", ")} files`,
        "check-policy",
      );
    }
    for (const path of found) paths.add(path);
  }
  if (paths.size > MAX_FILES) {
    throw usageError(`more than ${MAX_FILES} policy files named`, "check-policy");
  }
  return [...paths];
}

async function readPolicyFiles(io: CliIo, paths: readonly string[]): Promise<PolicyFile[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const files: PolicyFile[] = [];
  let total = 0;
  for (const path of paths) {
    const bytes = await readAll(io.readChunks(path), MAX_FILE_BYTES, `file "${path}"`);
    total += bytes.byteLength;
    if (total > MAX_TOTAL_BYTES) {
      throw new ImgverifyError<CliErrorCode>(
        "CLI_FILE_TOO_LARGE",
        `the policy files come to more than ${MAX_TOTAL_BYTES} bytes (at "${path}")`,
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

export const checkPolicyCommand: Command = defineCommand({
  name: "check-policy",
  summary: "Load and validate Kyverno verifyImages policies without verifying anything.",
  usage: "FILE|DIR...",
  details: `
Reads each FILE, and every .yaml, .yml and .json file under each DIR (at any
depth, in name order), as the webhook reads its policies: ClusterPolicy and
Policy documents with verifyImages rules, and the ConfigMaps their rules use.
For each policy it prints OK with its failure action, then one line per rule:
the resource kinds, image references, attestor sets and attestation types; or
REFUSED with every invalid or unsupported field by file, document and field
path. With --json, prints {"policies", "issues", "configMaps"}.

Exit 0 when every policy loads; 2 when any document is refused, any file is
not valid YAML, or a file cannot be read (at most ${MAX_FILES} files, each up to
${MAX_FILE_BYTES / (1024 * 1024)} MiB).`,
  flags: {},
  async run({ io, positionals, global }) {
    if (positionals.length === 0) {
      throw usageError("check-policy needs at least one FILE or DIR", "check-policy");
    }
    const files = await readPolicyFiles(io, await policyPaths(io, positionals));
    const result = checkPolicies(files);
    if (global.json) writeJson(io, result);
    else io.stdout(`${formatCheckResult(result)}\n`);
    return result.issues.length === 0 ? EXIT_OK : EXIT_INVALID;
  },
});
