/**
 * The verification targets as judged from figures: the warm admission by tag
 * against one round of its own HEADs, timed beside it.
 */
import { describe, expect, it } from "vitest";
import type { ScenarioFigures } from "../../../bench/admission.ts";
import { verificationTargets } from "../../../bench/targets.ts";

const mode = (meanMs: number, requests: number) => ({
  meanMs,
  p99Ms: meanMs,
  requests,
  distinctRequests: requests,
});

function figures(warmMs: number, tagRoundMs: number): ScenarioFigures {
  return {
    name: "many-images-50",
    criticalPathRtts: 3,
    modes: {
      sequential: mode(12_000, 450),
      parallel: mode(120, 450),
      store: mode(110, 350),
      warm: mode(warmMs, 50),
      warmPinned: mode(1.5, 0),
    },
    tagRoundMs,
  };
}

const warmTarget = (warmMs: number, tagRoundMs: number) =>
  verificationTargets([figures(warmMs, tagRoundMs)], 25).find((t) => t.name.includes("warm mean"));

describe("the warm-by-tag target", () => {
  it("allows 3 ms over the measured round of the tag HEADs", () => {
    expect(warmTarget(32.3, 29.4)).toMatchObject({
      holds: true,
      name: "many-images-50: warm mean <= its tag HEAD round + 3 ms",
    });
    expect(warmTarget(32.5, 29.4)?.holds).toBe(false);
  });

  it("shows the injected round trip's limit beside it", () => {
    expect(warmTarget(27, 26)?.detail).toBe(
      "27.0 ms vs 29.0 ms (the round: 26.0 ms by bare fetch; rttMs + 3 is 28.0 ms)",
    );
  });
});
