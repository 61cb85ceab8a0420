/**
 * The regression gate's judgement: a run against the committed baseline by
 * ratios and request counts only. Absolute times depend on the machine and
 * its load; ratios of times measured in the same run, and the requests the
 * engine makes, do not.
 */
import type { ModeFigures } from "./admission.ts";
import type { ComparedResults, LatestResults, SharedCacheFigures } from "./latest.ts";

/**
 * How far a ratio may move the wrong way before it counts as a regression:
 * one where higher is better may fall to half the baseline's, one where lower
 * is better may double. Back-to-back quick runs on two shared cores under
 * load moved single ratios by up to 1.8x; the regressions this gate is for
 * (the store or the cache not used, checks serialised, WASM not used) move
 * them 3x and more, and request counts, which do not depend on load, are
 * compared exactly.
 */
export const RATIO_TOLERANCE = 0.5;

export type Rule = "higher is better" | "lower is better" | "at most" | "at least" | "equal";

export interface Comparison {
  name: string;
  rule: Rule;
  baseline: number;
  latest: number;
  /** The worst acceptable value. */
  limit: number;
  ok: boolean;
}

function ratio(
  name: string,
  rule: "higher is better" | "lower is better",
  baseline: number,
  latest: number,
  tolerance: number,
): Comparison {
  const limit =
    rule === "higher is better" ? baseline * (1 - tolerance) : baseline / (1 - tolerance);
  const ok =
    Number.isFinite(latest) && (rule === "higher is better" ? latest >= limit : latest <= limit);
  return { name, rule, baseline, latest, limit, ok };
}

function count(
  name: string,
  rule: "at most" | "at least" | "equal",
  baseline: number,
  latest: number,
): Comparison {
  const ok =
    Number.isFinite(latest) &&
    (rule === "at most"
      ? latest <= baseline
      : rule === "at least"
        ? latest >= baseline
        : latest === baseline);
  return { name, rule, baseline, latest, limit: baseline, ok };
}

/** A regression for what the baseline measured and the run did not. */
const notMeasured = (name: string): Comparison => ({
  name,
  rule: "equal",
  baseline: 1,
  latest: 0,
  limit: 1,
  ok: false,
});

type ComparedSharedCache = Pick<
  SharedCacheFigures,
  "secondReplicaRequests" | "redisDownAdmissionsOk"
>;

/** What a baseline from before the shared-cache suite existed is held to: the targets' goals. */
const SHARED_CACHE_GOALS: ComparedSharedCache = {
  secondReplicaRequests: 0,
  redisDownAdmissionsOk: true,
};

function sharedCacheComparisons(
  baseline: ComparedSharedCache | undefined,
  latest: ComparedSharedCache | undefined,
): Comparison[] {
  if (latest === undefined)
    return baseline === undefined ? [] : [notMeasured("shared cache: measured")];
  const base = baseline ?? SHARED_CACHE_GOALS;
  return [
    count(
      "shared cache: second replica's signature/attestation requests",
      "at most",
      base.secondReplicaRequests,
      latest.secondReplicaRequests,
    ),
    // A boolean as 1 or 0: true may not turn false.
    count(
      "shared cache: every admission with Redis down answered correctly (1 yes, 0 no)",
      "at least",
      Number(base.redisDownAdmissionsOk),
      Number(latest.redisDownAdmissionsOk),
    ),
  ];
}

function scenarioComparisons(
  base: LatestResults["scenarios"][number],
  run: LatestResults["scenarios"][number],
  rttMs: number,
  tolerance: number,
): Comparison[] {
  const out: Comparison[] = [];
  const name = (what: string): string => `${base.name}: ${what}`;
  for (const mode of ["sequential", "parallel", "store", "warm"] as const) {
    out.push(
      count(
        name(`${mode} requests`),
        "at most",
        base.modes[mode].requests,
        run.modes[mode].requests,
      ),
    );
    out.push(
      count(
        name(`${mode} distinct requests`),
        "at most",
        base.modes[mode].distinctRequests,
        run.modes[mode].distinctRequests,
      ),
    );
  }
  // Every request of the store mode is a distinct one, whatever the baseline says.
  out.push(
    count(
      name("store duplicate requests"),
      "equal",
      0,
      run.modes.store.requests - run.modes.store.distinctRequests,
    ),
  );
  out.push(
    count(
      name("critical path (round trips)"),
      "at most",
      base.criticalPathRtts,
      run.criticalPathRtts,
    ),
  );
  const speedup = (s: typeof base): number => s.modes.sequential.meanMs / s.modes.store.meanMs;
  out.push(
    ratio(name("sequential / store"), "higher is better", speedup(base), speedup(run), tolerance),
  );
  const overFloor = (s: typeof base): number => s.modes.store.meanMs / (s.criticalPathRtts * rttMs);
  out.push(
    ratio(
      name("store mean / round-trip floor"),
      "lower is better",
      overFloor(base),
      overFloor(run),
      tolerance,
    ),
  );
  const warm = (s: typeof base): number => s.modes.warm.meanMs / rttMs;
  out.push(ratio(name("warm mean / rttMs"), "lower is better", warm(base), warm(run), tolerance));
  // Pinned images with cached verdicts ask the registry nothing, whatever the baseline says.
  // (A baseline written before the mode existed has no figures for it: only the run's count.)
  const pinned: ModeFigures | undefined = run.modes.warmPinned;
  out.push(count(name("warm digest-pinned requests"), "equal", 0, pinned?.requests ?? Number.NaN));
  return out;
}

/** Every comparison of `latest` against `baseline`; the run regressed when one is not ok. */
export function compareResults(
  baseline: ComparedResults,
  latest: ComparedResults,
  tolerance: number = RATIO_TOLERANCE,
): Comparison[] {
  const out: Comparison[] = [
    // Ratios to the round trip only compare at the same round trip.
    count("rttMs (runs compare at the same round trip)", "equal", baseline.rttMs, latest.rttMs),
  ];
  for (const base of baseline.scenarios) {
    const run = latest.scenarios.find((s) => s.name === base.name);
    if (run === undefined) {
      out.push(notMeasured(`${base.name}: scenario measured`));
      continue;
    }
    out.push(...scenarioComparisons(base, run, baseline.rttMs, tolerance));
  }
  const digest = (r: ComparedResults) => ({
    wasmOverNoble: r.digest.wasmMBps / r.digest.nobleMBps,
    wasmOverHashWasm: r.digest.wasmMBps / r.digest.hashWasmMBps,
    small2KiB: r.digest.small2KiBUs.webcrypto / r.digest.small2KiBUs.default,
  });
  const [b, l] = [digest(baseline), digest(latest)];
  out.push(
    ratio(
      "digest: wasm / @noble at 1 MiB",
      "higher is better",
      b.wasmOverNoble,
      l.wasmOverNoble,
      tolerance,
    ),
  );
  out.push(
    ratio(
      "digest: wasm / hash-wasm at 1 MiB",
      "higher is better",
      b.wasmOverHashWasm,
      l.wasmOverHashWasm,
      tolerance,
    ),
  );
  out.push(
    ratio(
      "digest: awaited WebCrypto / default at 2 KiB",
      "higher is better",
      b.small2KiB,
      l.small2KiB,
      tolerance,
    ),
  );
  // Against the platform's own verify, not @noble: how much faster native ECDSA is
  // than JavaScript depends on the CPU (a CI machine measured 7.5x where the
  // baseline's had 16.8x), while imgverify's overhead over the bare call does not.
  out.push(
    ratio(
      "verify: verifySignature (WebCrypto) / bare subtle.verify per second",
      "higher is better",
      baseline.verify.webcryptoPerSec / baseline.verify.bareSubtlePerSec,
      latest.verify.webcryptoPerSec / latest.verify.bareSubtlePerSec,
      tolerance,
    ),
  );
  out.push(...sharedCacheComparisons(baseline.sharedCache, latest.sharedCache));
  return out;
}
