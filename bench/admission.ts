/**
 * One scenario through the four modes: Kyverno 1.11's sequential way, the
 * fan-out without the request store, the fan-out over the store (cold
 * caches), the same admission again with the cross-request cache warm, and
 * with its images pinned to the digests the warm one verified (what a
 * mutating webhook has written into the object by then). Each mode is
 * evaluated once with the proxy counting, then timed by tinybench.
 */
import { Bench } from "tinybench";
import type { AdmissionRequest } from "../src/admission/index.ts";
import { type Deps, silentLogger, systemClock } from "../src/deps.ts";
import { prepareTrustMaterial, type TrustMaterial } from "../src/engine/checks/index.ts";
import {
  type AdmissionEvaluation,
  type EngineOptions,
  evaluateAdmission,
  VerificationCache,
} from "../src/engine/index.ts";
import { MANIFEST_ACCEPT, parseReference, RegistryClient } from "../src/oci/index.ts";
import { loadSha256 } from "../src/runtime/sha256-file.ts";
import { type RequestStats, requestStats } from "../test/support/proxy-log.ts";
import { EMPTY_ROOT } from "../test/unit/engine/core/world.ts";
import { fewestRoundTrips, repositoryChains } from "./critical-path.ts";
import type { CountingProxy } from "./remote-proxy.ts";
import type { Scenario, ScenarioName } from "./scenarios.ts";

export const MODES = ["sequential", "parallel", "store", "warm", "warmPinned"] as const;
export type Mode = (typeof MODES)[number];

export interface ModeFigures {
  meanMs: number;
  p99Ms: number;
  requests: number;
  distinctRequests: number;
}

export interface ScenarioFigures {
  name: ScenarioName;
  criticalPathRtts: number;
  modes: Record<Mode, ModeFigures>;
  /**
   * Mean ms of one round of the scenario's distinct tag HEADs, sent at once
   * by bare fetch through the same proxy: the network part of a warm
   * admission by tag, timed beside it.
   */
  tagRoundMs: number;
}

export interface MeasureOptions {
  /** Least timed evaluations per mode. */
  iterations: number;
  /** Least time each mode is timed for, ms: fast modes get more samples. */
  timeMs: number;
}

/** Requests asked more than once in a mode, for the report when a count target fails. */
export type Duplicates = Partial<Record<Mode, RequestStats["duplicates"]>>;

/** The tinybench task of `tagRound`, timed beside the modes. */
const TAG_ROUND = "tag HEADs";

/** Store-mode evaluations whose logs give the critical path (see critical-path.ts). */
const STORE_COUNT_RUNS = 5;

const round = (value: number): number => Math.round(value * 100) / 100;

/** The client the webhook would build, allowed to reach the proxy over plain HTTP. */
export async function benchClient(proxy: CountingProxy): Promise<RegistryClient> {
  const deps: Deps = {
    fetch: (request) => globalThis.fetch(request),
    clock: systemClock,
    logger: silentLogger,
    sha256: await loadSha256(undefined, silentLogger),
  };
  return new RegistryClient({ deps, insecureRegistries: [proxy.host] });
}

/** Key-signed evidence without a transparency log needs no trust root content. */
export function benchTrust(): TrustMaterial {
  return prepareTrustMaterial(EMPTY_ROOT);
}

interface ModeSetup {
  options: EngineOptions;
  cache?: VerificationCache;
}

/** Kubernetes' longest webhook timeout: the sequential mode needs it for its 248 requests. */
const BUDGET = { defaultTimeoutSeconds: 30 } as const;

function modeSetups(): Record<Mode, ModeSetup> {
  const warmCache = new VerificationCache({ clock: systemClock });
  return {
    sequential: { options: { ...BUDGET, sequential: true } },
    parallel: { options: { ...BUDGET, requestStore: false } },
    store: { options: BUDGET },
    warm: { options: BUDGET, cache: warmCache },
    warmPinned: { options: BUDGET, cache: warmCache },
  };
}

/** `request` with every image the evaluation verified pinned as `image@digest`. */
function pinnedRequest(
  request: AdmissionRequest,
  evaluation: AdmissionEvaluation,
): AdmissionRequest {
  let text = JSON.stringify(request);
  const pins = new Map(evaluation.results.map((r) => [r.image, r.digest]));
  for (const [image, digest] of pins) {
    if (digest === undefined || image.includes("@")) continue;
    text = text.replaceAll(JSON.stringify(image), JSON.stringify(`${image}@${digest}`));
  }
  return JSON.parse(text);
}

/**
 * One HEAD per distinct tag the evaluation resolved, all at once, as bare
 * fetches through the proxy: what a warm admission by tag cannot go below.
 */
function tagRound(evaluation: AdmissionEvaluation): () => Promise<void> {
  const tagged = evaluation.results.map((r) => parseReference(r.image)).filter((r) => !r.digest);
  const urls = [
    ...new Set(tagged.map((r) => `http://${r.registry}/v2/${r.repository}/manifests/${r.tag}`)),
  ];
  return async () => {
    await Promise.all(
      urls.map(async (url) => {
        const res = await fetch(url, { method: "HEAD", headers: { accept: MANIFEST_ACCEPT } });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HEAD ${url}: ${res.status}`);
      }),
    );
  };
}

/** A full collection, where the runtime offers one (Bun). */
function collectGarbage(): void {
  (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
}

/** Refuses to time an admission that does not pass: a failing check is not a fast one. */
function assertAdmitted(scenario: Scenario, mode: Mode, evaluation: AdmissionEvaluation): void {
  const bad = evaluation.results.filter((r) => r.status !== "pass");
  if (evaluation.allowed && bad.length === 0 && evaluation.results.length > 0) return;
  const detail = bad.map((r) => `${r.policy}/${r.rule} ${r.image}: ${r.status} ${r.message}`);
  throw new Error(
    `${scenario.name} (${mode}) was not admitted: ${evaluation.message ?? ""}\n${detail.join("\n")}`,
  );
}

/** `request` evaluated as `mode` sets it up; refused unless admitted. */
async function admit(
  scenario: Scenario,
  mode: Mode,
  request: AdmissionRequest,
  setup: ModeSetup,
  client: RegistryClient,
  trust: TrustMaterial,
): Promise<AdmissionEvaluation> {
  const evaluation = await evaluateAdmission(request, {
    policies: scenario.policies,
    client,
    trust,
    clock: systemClock,
    ...(setup.cache && { cache: setup.cache }),
    options: setup.options,
  });
  assertAdmitted(scenario, mode, evaluation);
  return evaluation;
}

/**
 * Runs every scenario's store and warm admissions in turn for `ms` before
 * anything is timed, and returns how many ran. JavaScriptCore keeps moving
 * hot code to faster tiers long after each path has run once: at a 25 ms
 * round trip a 50-image store admission takes 128 ms on average over its
 * first 50 runs and 113 ms from its 150th on. A webhook serves for days, so
 * the figures are of that steady state; start-up is what this spends.
 */
export async function warmUp(
  scenarios: readonly Scenario[],
  client: RegistryClient,
  trust: TrustMaterial,
  ms: number,
): Promise<number> {
  const setups = modeSetups();
  const until = performance.now() + ms;
  let admissions = 0;
  while (performance.now() < until) {
    for (const scenario of scenarios) {
      for (const mode of ["store", "warm"] as const) {
        await admit(scenario, mode, scenario.request, setups[mode], client, trust);
        admissions++;
      }
    }
  }
  return admissions;
}

export async function measureScenario(
  scenario: Scenario,
  proxy: CountingProxy,
  client: RegistryClient,
  trust: TrustMaterial,
  options: MeasureOptions,
): Promise<{ figures: ScenarioFigures; duplicates: Duplicates }> {
  const setups = modeSetups();
  let pinned: AdmissionRequest | undefined;
  const evaluate = (mode: Mode): Promise<AdmissionEvaluation> => {
    const request = mode === "warmPinned" ? pinned : scenario.request;
    if (request === undefined) throw new Error("the warm admission has not run yet");
    return admit(scenario, mode, request, setups[mode], client, trust);
  };

  // The warm modes' cache is filled by one admission before anything is counted.
  const first = await evaluate("warm");
  pinned = pinnedRequest(scenario.request, first);
  const headTagsOnce = tagRound(first);
  const counts = {} as Record<Mode, RequestStats>;
  const duplicates: Duplicates = {};
  const storeChains: Map<string, number>[] = [];
  for (const mode of MODES) {
    const runs = mode === "store" ? STORE_COUNT_RUNS : 1;
    for (let run = 0; run < runs; run++) {
      await proxy.settled();
      await proxy.reset();
      const evaluation = await evaluate(mode);
      await proxy.settled();
      const log = await proxy.log();
      const stats = requestStats(log);
      if (stats.requests !== evaluation.timing.requests) {
        throw new Error(
          `${scenario.name} (${mode}): the proxy saw ${stats.requests} requests, the engine made ${evaluation.timing.requests}`,
        );
      }
      const before = counts[mode];
      if (before !== undefined && before.requests !== stats.requests) {
        throw new Error(
          `${scenario.name} (${mode}): ${before.requests} then ${stats.requests} requests for the same admission`,
        );
      }
      counts[mode] = stats;
      if (stats.duplicates.length > 0) duplicates[mode] = stats.duplicates;
      if (mode === "store") storeChains.push(repositoryChains(log));
    }
  }
  const roundTrips = fewestRoundTrips(storeChains);

  const bench = new Bench({
    name: scenario.name,
    time: options.timeMs,
    iterations: options.iterations,
    // The warm-up (warmUp) and the counted evaluations above have run every path already.
    warmup: false,
    throws: true,
  });
  // Each task starts on a collected heap: what one mode leaves behind is not collected on another's time.
  const collected = { beforeAll: collectGarbage };
  for (const mode of MODES) bench.add(mode, () => evaluate(mode).then(() => undefined), collected);
  bench.add(TAG_ROUND, headTagsOnce, collected);
  await bench.run();
  console.log(`\n${scenario.name}: ${scenario.description}`);
  console.table(bench.table());

  const modes = {} as Record<Mode, ModeFigures>;
  let tagRoundMs = 0;
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed") throw new Error(`${task.name} did not complete`);
    if (task.name === TAG_ROUND) {
      tagRoundMs = round(result.latency.mean);
      continue;
    }
    const mode = task.name as Mode;
    modes[mode] = {
      meanMs: round(result.latency.mean),
      p99Ms: round(result.latency.p99),
      requests: counts[mode].requests,
      distinctRequests: counts[mode].distinct,
    };
  }
  return {
    figures: { name: scenario.name, criticalPathRtts: roundTrips, modes, tagRoundMs },
    duplicates,
  };
}
