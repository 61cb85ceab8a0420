/**
 * cel-spec's conformance tests through imgverify's CEL programs; exit 1 when
 * fewer than PASS_FLOOR pass. `--verbose` lists every failing test.
 *
 *   npm run conformance:cel          # Node (tsx)
 *   npm run conformance:cel:bun      # Bun
 *   npm run conformance:cel:deno     # Deno, straight from node_modules
 *   npm run conformance:cel:workerd  # workerd (workerd.test.ts)
 */
import { detectRuntime } from "../../runtimes/detect-runtime.ts";
import { formatCelReport, PASS_FLOOR, runCelConformance, totalsOf } from "./suite.ts";

const started = performance.now();
const outcomes = runCelConformance();
const label = detectRuntime();
console.log(formatCelReport(outcomes, label, process.argv.includes("--verbose")));
console.log(`${label}: ${(performance.now() - started).toFixed(0)} ms`);
const { passed } = totalsOf(outcomes);
if (passed < PASS_FLOOR) {
  console.error(`${label}: ${passed} passed is below the floor of ${PASS_FLOOR}`);
  process.exitCode = 1;
}
