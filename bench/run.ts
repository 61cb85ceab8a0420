/**
 * Runs every benchmark suite in one process (`npm run bench`, or
 * `npx tsx bench/run.ts` on Node), writes bench/results/latest.json and
 * exits 1 when any target fails.
 *
 *   --quick    fewer timed runs and rounds (CI; about 2 minutes on 2 cores)
 *   --rtt MS   injected registry round trip, default 25
 *   --advisory targets are printed but do not set the exit code (CI on shared
 *              machines, where bench:check is the regression gate)
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { runSignatureVerifyBench } from "./crypto-verify.ts";
import { runDigestBench } from "./digest.ts";
import { digestFigures, digestTargets, type LatestResults, writeLatest } from "./latest.ts";
import { runSharedCacheBench } from "./shared-cache.ts";
import { printTargets } from "./targets.ts";
import { runThroughputBench } from "./throughput.ts";
import { runVerificationBench } from "./verification.ts";

const PLANS = {
  quick: { iterations: 2, timeMs: 1000, warmupMs: 3000, digestRounds: 1, verifyTimeMs: 1000 },
  full: { iterations: 10, timeMs: 3000, warmupMs: 30_000, digestRounds: 3, verifyTimeMs: 1000 },
} as const;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    advisory: { type: "boolean", default: false },
    rtt: { type: "string", default: "25" },
  },
});
const rttMs = Number(values.rtt);
if (!Number.isInteger(rttMs) || rttMs < 1 || rttMs > 1000) {
  console.error(`--rtt must be a whole number of milliseconds, 1 to 1000; got ${values.rtt}`);
  process.exit(2);
}
const quick = values.quick ?? false;
const plan = quick ? PLANS.quick : PLANS.full;
const started = performance.now();

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(0)} s`;
const verification = await runVerificationBench({
  rttMs,
  iterations: plan.iterations,
  timeMs: plan.timeMs,
  warmupMs: plan.warmupMs,
});
console.log(`\n(verification scenarios: ${seconds(started)})\n`);
const sharedCacheStarted = performance.now();
const sharedCache = await runSharedCacheBench(rttMs);
console.log(`\n(shared cache: ${seconds(sharedCacheStarted)})\n`);
const digestStarted = performance.now();
const digest = await runDigestBench(plan.digestRounds);
console.log(`\n(digest: ${seconds(digestStarted)})`);
const verify = await runSignatureVerifyBench(plan.verifyTimeMs);
const throughput = await runThroughputBench({ quick });

const { runtime, ...verifyFigures } = verify;
const results: LatestResults = {
  rttMs,
  runtime,
  quick,
  scenarios: verification.scenarios,
  digest: digestFigures(digest.result),
  verify: verifyFigures,
  throughput: { ...throughput },
  sharedCache: sharedCache.figures,
  targets: [
    ...verification.targets,
    ...sharedCache.targets,
    ...digestTargets(digest.result),
    {
      name: "warm digest-pinned admission throughput on Bun >= 50% of the bare Hono echo",
      holds: throughput.holds,
      detail: `${throughput.warmReqPerSec.toFixed(0)} vs ${throughput.echoReqPerSec.toFixed(0)} requests/s (${(100 * throughput.pinnedRatio).toFixed(1)}%; by tag ${(100 * throughput.ratio).toFixed(1)}%)`,
    },
  ],
};
printTargets(
  results.targets,
  `all targets (${runtime}, round trip ${rttMs} ms${quick ? ", quick" : ""}):`,
);
console.log(`\nwrote ${await writeLatest(results)} in ${seconds(started)}`);
if (!values.advisory && !results.targets.every((t) => t.holds)) process.exitCode = 1;
