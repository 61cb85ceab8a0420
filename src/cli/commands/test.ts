/**
 * `imgverify test DIR|FILE...`, like `kyverno test`: each kyverno-test.yaml
 * found names policies, resources and the result expected of each policy,
 * rule and resource; the resources are admitted as `apply` admits them and
 * every expectation is checked, printed as a table.
 */
import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, type ExitCode, usageError } from "../errors.ts";
import type { FlagSpecs } from "../flags/args.ts";
import type { GlobalOptions } from "../flags/global-flags.ts";
import type { CliIo } from "../io.ts";
import { compareResults, type Row } from "../kyverno-test/outcomes.ts";
import { renderTable } from "../kyverno-test/table.ts";
import { parseTestFile, type TestFile } from "../kyverno-test/test-file.ts";
import { offlineEngine } from "../offline-engine.ts";
import { MAX_FILES, readTextFiles } from "../policy-files.ts";
import { readResources } from "./apply-resources.ts";

const EXIT_MISMATCH: ExitCode = 1;
const TEST_FILE_NAMES = ["kyverno-test.yaml", "kyverno-test.yml"];

const flags = {
  "trusted-root": {
    type: "string",
    value: "FILE",
    description: "A Sigstore trusted_root.json (default: the production root built in).",
  },
} as const satisfies FlagSpecs;

/** Every kyverno-test.yaml under the arguments, each once. */
async function testFiles(io: CliIo, args: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const arg of args) {
    const paths = await io.listFiles(arg, { extensions: [".yaml", ".yml"], maxFiles: MAX_FILES });
    const tests = paths.filter((p) => TEST_FILE_NAMES.includes(p.slice(p.lastIndexOf("/") + 1)));
    if (tests.length === 0) throw usageError(`"${arg}" holds no kyverno-test.yaml`, "test");
    for (const path of tests) found.add(path);
  }
  return [...found];
}

async function runTest(io: CliIo, global: GlobalOptions, test: TestFile, root: string | undefined) {
  if (test.policies.length === 0 || test.resources.length === 0) {
    throw usageError(`${test.path}: a test needs policies and resources`, "test");
  }
  const [context, resources] = await Promise.all([
    offlineEngine(io, global, test.policies, root, "test"),
    readResources(io, test.resources, "test"),
  ]);
  const { evaluateAdmission } = await import("../../engine/index.ts");
  const evaluated = [];
  for (const resource of resources) {
    const { results } = await evaluateAdmission(resource.request, context);
    evaluated.push({ resource, results });
  }
  return {
    policies: context.policies.length,
    resources: resources.length,
    rows: compareResults(test.results, evaluated),
  };
}

export const testCommand: Command = defineCommand({
  name: "test",
  summary: "Run kyverno-test.yaml files: admit their resources and check every expected result.",
  usage: "DIR|FILE...",
  details: `
Finds every kyverno-test.yaml (or .yml) under each DIR, at any depth, as
'kyverno test' does. Each names policy and resource files relative to
itself, and results: {policy, rule, kind, resources, result} with result
pass, fail, skip, error or warn. The resources are admitted as 'imgverify
apply' admits them, against the live registries; a rule's result for a
resource is the worst over its images (fail, error, pass, skip). Fields
imgverify cannot honour (variables, userinfo, patchedResources, other
policy types...) are refused by path.

Prints a table per test file, then how many results matched. With --json,
one object per test file: {"test", "rows": [{"policy", "rule", "resource",
"expected", "actual", "passed", "reason"}]}.

Exit 0 when every expected result matches, 1 when any does not, 2 on usage
errors and unreadable or refused files.`,
  flags,
  async run({ io, flags: f, positionals, global }) {
    if (positionals.length === 0) throw usageError("test needs at least one DIR or FILE", "test");
    const files = await readTextFiles(io, await testFiles(io, positionals));
    const tests = files.map(parseTestFile);
    const all: Row[] = [];
    for (const test of tests) {
      const { policies, resources, rows } = await runTest(io, global, test, f["trusted-root"]);
      all.push(...rows);
      if (global.json) {
        io.stdout(`${JSON.stringify({ test: test.path, rows })}\n`);
        continue;
      }
      io.stdout(
        `Loading test ( ${test.path} ) ...\n` +
          `  Applying ${policies} ${policies === 1 ? "policy" : "policies"} to ${resources} ${resources === 1 ? "resource" : "resources"} ...\n` +
          `  Checking results ...\n\n${renderTable(rows)}\n\n`,
      );
    }
    const failed = all.filter((row) => !row.passed).length;
    if (!global.json) {
      io.stdout(`Test Summary: ${all.length - failed} tests passed and ${failed} tests failed\n`);
    }
    return failed === 0 ? EXIT_OK : EXIT_MISMATCH;
  },
});
