/**
 * Runs every benchmark suite in one process (`npm run bench`, or
 * `npx tsx bench/run.ts` on Node) and exits 1 when any target fails.
 */
import process from "node:process";
import { runDigestBench } from "./digest.ts";

const suites = [runDigestBench];

let passed = true;
for (const suite of suites) {
  const outcome = await suite();
  passed &&= outcome.passed;
}
if (!passed) process.exitCode = 1;
