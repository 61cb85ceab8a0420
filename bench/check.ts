/**
 * `npm run bench:check`: compares bench/results/latest.json with the
 * committed bench/baseline.json by ratios and request counts (never absolute
 * times) and exits 1 naming every regression, 2 when a file is missing or
 * malformed. `--write-baseline` makes the latest run the baseline, after a
 * change that moves the figures on purpose.
 */
import { readFile, writeFile } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Comparison, compareResults, RATIO_TOLERANCE } from "./compare.ts";
import { BASELINE_URL, type ComparedResults, comparedResults, LATEST_URL } from "./latest.ts";

/** `makeIt` says how to create the file when it is missing. */
async function load(url: URL, makeIt: string): Promise<ComparedResults> {
  const path = fileURLToPath(url);
  const text = await readFile(url, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === "ENOENT" ? `${path} does not exist (${makeIt})` : err.message);
  });
  return comparedResults(JSON.parse(text), path);
}

const RUN_BENCH = "run `npm run bench` first";

const figure = (value: number): string =>
  Number.isInteger(value) ? String(value) : value.toFixed(2);

function line(c: Comparison): string {
  const verdict = c.ok ? "ok        " : "REGRESSION";
  const bound =
    c.rule === "equal"
      ? `== ${figure(c.limit)}`
      : c.rule === "at most" || c.rule === "lower is better"
        ? `<= ${figure(c.limit)}`
        : `>= ${figure(c.limit)}`;
  return `  ${verdict} ${c.name}: ${figure(c.latest)} (baseline ${figure(c.baseline)}, needs ${bound})`;
}

async function main(): Promise<number> {
  if (process.argv.includes("--write-baseline")) {
    const latest = await load(LATEST_URL, RUN_BENCH);
    await writeFile(BASELINE_URL, `${JSON.stringify(latest, null, 2)}\n`);
    console.log(`wrote ${fileURLToPath(BASELINE_URL)} from ${fileURLToPath(LATEST_URL)}`);
    return 0;
  }
  const [baseline, latest] = await Promise.all([
    load(BASELINE_URL, "make one with `bun bench/check.ts --write-baseline` after a run"),
    load(LATEST_URL, RUN_BENCH),
  ]);
  const comparisons = compareResults(baseline, latest);
  const kept = 1 - RATIO_TOLERANCE;
  console.log(
    "bench:check: latest.json against baseline.json. Request counts may not grow; " +
      `a ratio where higher is better may fall to ${kept * 100}% of the baseline's, ` +
      `one where lower is better may grow to ${figure(1 / kept)}x the baseline's.`,
  );
  for (const c of comparisons) console.log(line(c));
  const regressions = comparisons.filter((c) => !c.ok);
  if (regressions.length === 0) {
    console.log(`no regression (${comparisons.length} comparisons)`);
    return 0;
  }
  console.log(`\n${regressions.length} regression(s):`);
  for (const c of regressions) console.log(line(c));
  return 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`bench:check: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
