// Reads a vitest JSON report and prints one line of counts ("366 passed, 20 skipped"),
// then one line per file with skipped tests, so a skip never goes unnoticed in the
// matrix summary. Used by test/runtimes/run.sh:  node report-counts.mjs REPORT.json
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch {
  console.log("no report (vitest did not finish)");
  process.exit(0);
}

const counts = [
  [report.numPassedTests, "passed"],
  [report.numFailedTests, "failed"],
  [report.numPendingTests + report.numTodoTests, "skipped"],
];
console.log(
  counts
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(", "),
);

for (const result of report.testResults) {
  const skipped = result.assertionResults.filter(
    (t) => t.status !== "passed" && t.status !== "failed",
  );
  if (skipped.length > 0)
    console.log(`${relative(process.cwd(), result.name)}: ${skipped.length} skipped`);
}
