/**
 * sigstore-conformance bundle-verify cases, file and digest forms: 140
 * invocations. Exit 0 when every outcome is the expected one.
 *
 *   npx tsx test/conformance/run.ts          # Node, in process
 *   npx bun test/conformance/run.ts          # Bun
 *   npx tsx test/conformance/deno.ts         # Deno (bundled with the crypto alias)
 *   npx tsx test/conformance/run.ts --cli    # through `node bin/imgverify.js verify-bundle`
 */
import { readFile } from "node:fs/promises";
import { cliInvoke } from "./cli-invoke.ts";
import { formatReport, type Invoke, inProcessInvoke, runConformance } from "./core.ts";
import { findCorpora, loadCases } from "./load-cases.ts";

const corpora = findCorpora(process.env);
if (corpora === undefined) {
  console.error(
    "CONFORMANCE NOT RUN: the sigstore-conformance corpora are absent. Set IMGVERIFY_CORPORA " +
      "to the folder holding sigstore-conformance/ and sigstore-js/ (default ../shared/corpora).",
  );
  process.exit(2);
}

const useCli = process.argv.includes("--cli");
const runtime = detectRuntime();
const cases = await loadCases(corpora.casesDir);
const invoke: Invoke = useCli
  ? cliInvoke(corpora.casesDir)
  : inProcessInvoke(await readFile(corpora.tufSeeds, "utf8"));
const outcomes = await runConformance(cases, invoke);
console.log(formatReport(outcomes, `${runtime}${useCli ? " (cli)" : ""}`));
process.exitCode = outcomes.every((o) => o.expected === o.actual) ? 0 : 1;

function detectRuntime(): string {
  const globals = globalThis as { Bun?: unknown; Deno?: unknown };
  if (globals.Deno) return "deno";
  if (globals.Bun) return "bun";
  return `node ${process.versions.node}`;
}
