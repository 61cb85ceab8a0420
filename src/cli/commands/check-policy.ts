/**
 * `imgverify check-policy`: loads Kyverno policy files the way the webhook
 * does and says what each policy will check, or every field that keeps it
 * from loading, without contacting any registry.
 */
import { checkPolicies, formatCheckResult } from "../../policy/index.ts";
import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, type ExitCode, usageError } from "../errors.ts";
import { writeJson } from "../output.ts";
import { MAX_FILE_BYTES, MAX_FILES, manifestPaths, readTextFiles } from "../policy-files.ts";

/** Something is refused or malformed: the webhook would not start with these files. */
const EXIT_INVALID: ExitCode = 2;

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
    const files = await readTextFiles(io, await manifestPaths(io, positionals, "check-policy"));
    const result = checkPolicies(files);
    if (global.json) writeJson(io, result);
    else io.stdout(`${formatCheckResult(result)}\n`);
    return result.issues.length === 0 ? EXIT_OK : EXIT_INVALID;
  },
});
