/**
 * The verification benchmark's targets, judged from the measured figures,
 * and the summary table that shows them.
 */
import { MODES, type ScenarioFigures } from "./admission.ts";

export interface Target {
  name: string;
  holds: boolean;
  /** The figures behind the verdict, for people. */
  detail: string;
}

/** Store latency may exceed the round-trip floor by this factor plus the allowance. */
const FLOOR_FACTOR = 1.3;
const FLOOR_ALLOWANCE_MS = 15;
/**
 * A warm admission by tag: one HEAD per tag, the engine within 3 ms of one
 * round of them (the goal's "1 RTT"), as bare fetches through the same proxy
 * take it in the same run.
 */
const WARM_ALLOWANCE_MS = 3;
/** A pinned image with cached verdicts needs no network: engine time alone. */
const WARM_PINNED_LIMIT_MS = 2;
const MIN_SPEEDUP: Record<string, number> = { "multi-rule": 10, "shared-image-signers": 20 };

const fixed = (value: number, digits = 1): string => value.toFixed(digits);

/** The least time the store mode's chain of dependent requests takes. */
export const floorMs = (scenario: ScenarioFigures, rttMs: number): number =>
  scenario.criticalPathRtts * rttMs;

export const speedup = (scenario: ScenarioFigures, mode: keyof ScenarioFigures["modes"]): number =>
  scenario.modes.sequential.meanMs / scenario.modes[mode].meanMs;

export function verificationTargets(
  scenarios: readonly ScenarioFigures[],
  rttMs: number,
): Target[] {
  const targets: Target[] = [];
  for (const s of scenarios) {
    const store = s.modes.store;
    targets.push({
      name: `${s.name}: store requests == distinct requests`,
      holds: store.requests === store.distinctRequests,
      detail: `${store.requests} requests, ${store.distinctRequests} distinct`,
    });
    const limit = FLOOR_FACTOR * floorMs(s, rttMs) + FLOOR_ALLOWANCE_MS;
    targets.push({
      name: `${s.name}: store mean <= ${FLOOR_FACTOR} x criticalPathRtts x rttMs + ${FLOOR_ALLOWANCE_MS} ms`,
      holds: store.meanMs <= limit,
      detail: `${fixed(store.meanMs)} ms vs ${fixed(limit)} ms (${s.criticalPathRtts} round trips)`,
    });
    const required = MIN_SPEEDUP[s.name];
    if (required !== undefined) {
      const ratio = speedup(s, "store");
      targets.push({
        name: `${s.name}: sequential / store >= ${required}`,
        holds: ratio >= required,
        detail: `${fixed(ratio)}x`,
      });
    }
    // One round of the admission's HEADs, timed beside it: 50 at once take longer than one.
    const warmLimit = s.tagRoundMs + WARM_ALLOWANCE_MS;
    targets.push({
      name: `${s.name}: warm mean <= its tag HEAD round + ${WARM_ALLOWANCE_MS} ms`,
      holds: s.modes.warm.meanMs <= warmLimit,
      detail: `${fixed(s.modes.warm.meanMs)} ms vs ${fixed(warmLimit)} ms (the round: ${s.tagRoundMs.toFixed(1)} ms by bare fetch; rttMs + ${WARM_ALLOWANCE_MS} is ${fixed(rttMs + WARM_ALLOWANCE_MS)} ms)`,
    });
    const pinned = s.modes.warmPinned;
    targets.push({
      name: `${s.name}: warm digest-pinned: 0 requests, mean <= ${WARM_PINNED_LIMIT_MS} ms (in process)`,
      holds: pinned.requests === 0 && pinned.meanMs <= WARM_PINNED_LIMIT_MS,
      detail: `${pinned.requests} requests, ${fixed(pinned.meanMs, 2)} ms`,
    });
  }
  return targets;
}

export function printTargets(targets: readonly Target[], heading = "targets:"): void {
  console.log(`\n${heading}`);
  for (const t of targets) console.log(`  ${t.holds ? "PASS" : "FAIL"} ${t.name}: ${t.detail}`);
}

/** One row per scenario and mode, as the README shows it. */
export function summaryRows(
  scenarios: readonly ScenarioFigures[],
  rttMs: number,
): Record<string, string | number>[] {
  return scenarios.flatMap((s) =>
    MODES.map((mode) => {
      const m = s.modes[mode];
      return {
        scenario: s.name,
        mode,
        "mean ms": fixed(m.meanMs),
        "p99 ms": fixed(m.p99Ms),
        requests: m.requests,
        distinct: m.distinctRequests,
        "vs sequential": `${fixed(speedup(s, mode))}x`,
        "over floor":
          mode === "store"
            ? `${fixed(m.meanMs / floorMs(s, rttMs), 2)}x of ${s.criticalPathRtts} RTT`
            : "",
      };
    }),
  );
}
