import { describe, expect, it } from "vitest";
import {
  type AdmissionAnswer,
  checkAdmitted,
  checkServedFromCache,
  combineRuns,
  loadProblems,
  percentile,
  type RunFigures,
} from "../../../bench/throughput/figures.ts";
import { cpuSecondsOfStat } from "../../../bench/throughput/server-process.ts";

const UID = "b6c8f1de-0d2a-4c57-9a41-1f0e3c7d5a01";

function answer(response: Record<string, unknown>, status = 200): AdmissionAnswer {
  const text = JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response,
  });
  return { status, text, serverTiming: null };
}

describe("checkAdmitted", () => {
  it("accepts an admission of the uid, with a patch when one is required", () => {
    const patched = answer({ uid: UID, allowed: true, patchType: "JSONPatch", patch: "W10=" });
    expect(() => checkAdmitted("imgverify", patched, UID, { patch: true })).not.toThrow();
    expect(() =>
      checkAdmitted("echo", answer({ uid: UID, allowed: true }), UID, { patch: false }),
    ).not.toThrow();
  });

  it.each([
    ["a denial", answer({ uid: UID, allowed: false }), /not admitted/],
    ["another uid", answer({ uid: "other", allowed: true }), /not for uid/],
    ["an HTTP error", answer({ uid: UID, allowed: true }, 500), /HTTP 500/],
    ["no patch", answer({ uid: UID, allowed: true }), /no JSON patch/],
    ["text that is not JSON", { status: 200, text: "<html>", serverTiming: null }, /not JSON/],
  ])("refuses %s", (_what, refused, message) => {
    expect(() => checkAdmitted("imgverify", refused, UID, { patch: true })).toThrow(message);
  });
});

describe("checkServedFromCache", () => {
  const timing = (checks: string): string =>
    `total;dur=2, engine;dur=1;desc="parallel", checks;desc="${checks}"`;

  it("accepts an answer where no check ran and one came from the cache", () => {
    expect(() => checkServedFromCache(timing("run=0 shared=0 cached=1"))).not.toThrow();
  });

  it.each([
    ["a check that ran", timing("run=1 shared=0 cached=0")],
    ["nothing cached", timing("run=0 shared=0 cached=0")],
    ["no Server-Timing", null],
  ])("refuses %s", (_what, header) => {
    expect(() => checkServedFromCache(header)).toThrow(/not answered from the cache/);
  });
});

describe("loadProblems", () => {
  const clean = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0, requests: { total: 10 } };

  it("finds nothing wrong in a clean run", () => {
    expect(loadProblems(clean as never)).toEqual([]);
  });

  it("names every kind of failure with its count", () => {
    const failed = { errors: 1, timeouts: 2, non2xx: 3, mismatches: 4, requests: { total: 10 } };
    expect(loadProblems(failed as never)).toEqual([
      "1 connection errors",
      "2 timeouts",
      "3 non-2xx answers",
      "4 answers unlike the admitted one",
    ]);
  });

  it("refuses a run without answers", () => {
    expect(loadProblems({ ...clean, requests: { total: 0 } } as never)).toEqual([
      "no answers at all",
    ]);
  });
});

describe("percentile", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);

  it("takes the nearest rank", () => {
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it("refuses an empty list", () => {
    expect(() => percentile([], 50)).toThrow(/no latencies/);
  });
});

describe("combineRuns", () => {
  const run = (over: Partial<RunFigures>): RunFigures => ({
    requests: 1000,
    durationS: 1,
    latenciesMs: [1],
    serverCpuS: 0.5,
    loadGeneratorCpuS: 0.2,
    ...over,
  });

  it("divides all requests by all the time and takes latencies over every answer", () => {
    const combined = combineRuns([
      run({ requests: 3000, durationS: 2, latenciesMs: [1, 2, 3], serverCpuS: 0.6 }),
      run({ requests: 1000, durationS: 2, latenciesMs: [4, 100], serverCpuS: 0.2 }),
    ]);
    expect(combined).toEqual({
      rps: 1000,
      requests: 4000,
      p50Ms: 3,
      p99Ms: 100,
      serverCpuUsPerRequest: 200,
      loadGeneratorCores: 0.1,
    });
  });

  it("reports no CPU per request when one run could not read it", () => {
    const combined = combineRuns([run({}), run({ serverCpuS: undefined })]);
    expect(combined.serverCpuUsPerRequest).toBeNull();
  });

  it("refuses no runs", () => {
    expect(() => combineRuns([])).toThrow(/no runs/);
  });
});

describe("cpuSecondsOfStat", () => {
  it("adds utime and stime after a command name with spaces and parentheses", () => {
    const fields = ["S", ...Array.from({ length: 10 }, (_, i) => String(i)), "250", "50", "7"];
    expect(cpuSecondsOfStat(`1234 (bun (x) y) ${fields.join(" ")}`)).toBe(3);
  });

  it("refuses text that is not a stat line", () => {
    expect(() => cpuSecondsOfStat("nonsense")).toThrow(/not a \/proc/);
  });
});
