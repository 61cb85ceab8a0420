/**
 * latest.json keeps the figures of the last soak, which runs on its own
 * (`npm run bench:soak`), across the bench runs that rewrite the file.
 */
import { describe, expect, it } from "vitest";
import { carrySoak, type LatestResults, type SoakFigures } from "../../../bench/latest.ts";

const soak: SoakFigures = {
  admissions: 110_000,
  rssGrowthMB: -13.2,
  heapGrowthMB: 0.4,
  measuredAt: "2026-12-05T03:00:00.000Z",
};

function run(extra: Partial<LatestResults> = {}): LatestResults {
  return {
    rttMs: 25,
    runtime: "Bun 1.4.5",
    quick: true,
    scenarios: [],
    digest: {
      wasmMBps: 1,
      hashWasmMBps: 1,
      nobleMBps: 1,
      webcryptoMBps: 1,
      small2KiBUs: { default: 1, webcrypto: 1 },
    },
    verify: { webcryptoPerSec: 1, noblePerSec: 1, bareSubtlePerSec: 1, webcryptoOverNoble: 1 },
    targets: [],
    ...extra,
  };
}

describe("carrySoak", () => {
  it("keeps the previous file's soak figures in a run that has none", () => {
    expect(carrySoak({ ...run(), soak }, run()).soak).toEqual(soak);
  });

  it("prefers the run's own figures, and carries nothing from a missing or malformed file", () => {
    const newer = { ...soak, rssGrowthMB: 2 };
    expect(carrySoak({ soak }, run({ soak: newer })).soak).toEqual(newer);
    expect(carrySoak(undefined, run()).soak).toBeUndefined();
    expect(carrySoak({ soak: "big" }, run()).soak).toBeUndefined();
    expect(carrySoak("not json", run()).soak).toBeUndefined();
  });
});
