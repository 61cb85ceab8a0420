/**
 * The verification benchmark: starts its own registry behind the latency
 * proxy, seeds signed images, measures every scenario in every mode, prints
 * the summary and the targets.
 */
import {
  benchClient,
  benchTrust,
  type Duplicates,
  measureScenario,
  type ScenarioFigures,
  warmUp,
} from "./admission.ts";
import { withBenchRegistry } from "./harness.ts";
import { buildScenarios, seedScenarioImages } from "./scenarios.ts";
import { printTargets, summaryRows, type Target, verificationTargets } from "./targets.ts";

export interface VerificationBenchOptions {
  rttMs: number;
  /** Least timed evaluations per scenario and mode. */
  iterations: number;
  /** Least time each mode is timed for, ms. */
  timeMs: number;
  /** How long every scenario is run before anything is timed, ms (see `warmUp`). */
  warmupMs: number;
}

export interface VerificationBenchResult {
  passed: boolean;
  scenarios: ScenarioFigures[];
  targets: Target[];
}

/** Names each request a mode asked more than once: what a failing count target is made of. */
function printDuplicates(name: string, duplicates: Duplicates): void {
  for (const [mode, list] of Object.entries(duplicates)) {
    if (mode === "sequential" || mode === "parallel" || list.length === 0) continue;
    console.log(`  ${name} (${mode}) asked more than once:`);
    for (const { key, count } of list.slice(0, 20)) console.log(`    ${count}x ${key}`);
  }
}

export async function runVerificationBench(
  options: VerificationBenchOptions,
): Promise<VerificationBenchResult> {
  return withBenchRegistry(options.rttMs, async ({ registry, proxy }) => {
    const seedingStarted = performance.now();
    const material = await seedScenarioImages(registry);
    console.log(
      `seeded ${material.attestedMany.length + 1} signed images in ${((performance.now() - seedingStarted) / 1000).toFixed(1)} s; ` +
        `registry round trip ${options.rttMs} ms through ${proxy.url}`,
    );
    const client = await benchClient(proxy);
    const trust = benchTrust();
    const scenarios: ScenarioFigures[] = [];
    const capped: string[] = [];
    const duplicates: [string, Duplicates][] = [];
    const built = buildScenarios(material, registry.host, proxy.host);
    const warmups = await warmUp(built, client, trust, options.warmupMs);
    console.log(`warm-up: ${warmups} store and warm admissions over ${options.warmupMs / 1000} s`);
    for (const scenario of built) {
      const iterations = Math.min(options.iterations, scenario.maxIterations ?? options.iterations);
      if (iterations < options.iterations) capped.push(`; ${scenario.name} ${iterations}+ times`);
      const measured = await measureScenario(scenario, proxy, client, trust, {
        ...options,
        iterations,
      });
      scenarios.push(measured.figures);
      duplicates.push([scenario.name, measured.duplicates]);
    }
    console.log(
      `\nsummary (round trip ${options.rttMs} ms; after ${warmups} warm-up admissions; each mode timed ${options.iterations}+ times, ${options.timeMs / 1000}+ s${capped.join("")})`,
    );
    console.table(summaryRows(scenarios, options.rttMs));
    for (const [name, list] of duplicates) printDuplicates(name, list);
    const targets = verificationTargets(scenarios, options.rttMs);
    printTargets(targets);
    return { passed: targets.every((t) => t.holds), scenarios, targets };
  });
}
