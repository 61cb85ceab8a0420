/**
 * The benchmark's regression gate: ratios within the stated tolerance pass,
 * ratios beyond it and any growth in request counts fail, each named.
 */
import { describe, expect, it } from "vitest";
import { compareResults, RATIO_TOLERANCE } from "../../../bench/compare.ts";
import { type ComparedResults, comparedResults } from "../../../bench/latest.ts";

type Scenario = ComparedResults["scenarios"][number];

const mode = (meanMs: number, requests: number, distinctRequests = requests) => ({
  meanMs,
  p99Ms: meanMs * 1.2,
  requests,
  distinctRequests,
});

function scenario(name: Scenario["name"], storeMs = 100): Scenario {
  return {
    name,
    criticalPathRtts: 3,
    modes: {
      sequential: mode(1200, 42, 7),
      parallel: mode(200, 42, 7),
      store: mode(storeMs, 7),
      warm: mode(30, 1),
      warmPinned: mode(0.5, 0),
    },
    tagRoundMs: 26,
  };
}

function results(): ComparedResults {
  return {
    rttMs: 25,
    scenarios: [scenario("single-rule"), scenario("multi-rule")],
    digest: {
      wasmMBps: 300,
      hashWasmMBps: 200,
      nobleMBps: 100,
      webcryptoMBps: 900,
      small2KiBUs: { default: 5, webcrypto: 50 },
    },
    verify: {
      webcryptoPerSec: 10_000,
      noblePerSec: 1_000,
      bareSubtlePerSec: 12_000,
      webcryptoOverNoble: 10,
    },
  };
}

const failures = (baseline: ComparedResults, latest: ComparedResults): string[] =>
  compareResults(baseline, latest)
    .filter((c) => !c.ok)
    .map((c) => c.name);

const multi = (r: ComparedResults): Scenario => r.scenarios[1] as Scenario;

describe("compareResults", () => {
  it("passes a run equal to its baseline, comparing every scenario, digest and verify ratio", () => {
    const comparisons = compareResults(results(), results());
    expect(comparisons.filter((c) => !c.ok)).toEqual([]);
    const names = comparisons.map((c) => c.name);
    expect(names).toContain("multi-rule: sequential / store");
    expect(names).toContain("single-rule: store requests");
    expect(names).toContain("digest: wasm / @noble at 1 MiB");
    expect(names).toContain("verify: verifySignature (WebCrypto) / bare subtle.verify per second");
  });

  it("lets a higher-is-better ratio fall to (1 - tolerance) of the baseline, not below", () => {
    expect(RATIO_TOLERANCE).toBe(0.5);
    const slower = results();
    // sequential / store: 12 in the baseline; 6.3 is 53 % of it.
    multi(slower).modes.store.meanMs = 190;
    expect(failures(results(), slower)).toEqual([]);
    // 12 / 4.8 = 40 % of the baseline; the store's time over its floor more than doubled too.
    multi(slower).modes.store.meanMs = 250;
    expect(failures(results(), slower)).toEqual([
      "multi-rule: sequential / store",
      "multi-rule: store mean / round-trip floor",
    ]);
  });

  it("lets a lower-is-better ratio rise to baseline / (1 - tolerance), not above", () => {
    const slowWarm = results();
    multi(slowWarm).modes.warm.meanMs = 58; // 1.93x the baseline's
    expect(failures(results(), slowWarm)).toEqual([]);
    multi(slowWarm).modes.warm.meanMs = 62; // 2.07x
    expect(failures(results(), slowWarm)).toEqual(["multi-rule: warm mean / rttMs"]);
  });

  it("ignores absolute times: a uniformly slower machine passes", () => {
    const slowMachine = results();
    for (const s of slowMachine.scenarios) {
      for (const m of Object.values(s.modes)) m.meanMs *= 1.1;
    }
    slowMachine.rttMs = 25;
    const { digest } = slowMachine;
    Object.assign(digest, {
      wasmMBps: 150,
      hashWasmMBps: 100,
      nobleMBps: 50,
      small2KiBUs: { default: 10, webcrypto: 100 },
    });
    expect(failures(results(), slowMachine)).toEqual([]);
  });

  it("fails when any request count grows, and when the store repeats a request", () => {
    const more = results();
    multi(more).modes.sequential.requests = 43;
    expect(failures(results(), more)).toEqual(["multi-rule: sequential requests"]);

    const repeated = results();
    multi(repeated).modes.store.requests = 8;
    expect(failures(results(), repeated)).toEqual([
      "multi-rule: store requests",
      "multi-rule: store duplicate requests",
    ]);

    const fewer = results();
    multi(fewer).modes.sequential.requests = 30;
    expect(failures(results(), fewer)).toEqual([]);
  });

  it("fails a warm digest-pinned admission that asks the registry anything, with or without a baseline for it", () => {
    const asking = results();
    multi(asking).modes.warmPinned.requests = 1;
    expect(failures(results(), asking)).toEqual(["multi-rule: warm digest-pinned requests"]);

    const older = results();
    for (const s of older.scenarios) delete (s.modes as Partial<Scenario["modes"]>).warmPinned;
    expect(failures(older, results())).toEqual([]);
  });

  it("fails a longer critical path, a missing scenario, another round trip and a weaker digest", () => {
    const longer = results();
    multi(longer).criticalPathRtts = 4;
    // The floor grows with the path, so the latency ratio improves: only the count fails.
    expect(failures(results(), longer)).toEqual(["multi-rule: critical path (round trips)"]);

    const missing = results();
    missing.scenarios.pop();
    expect(failures(results(), missing)).toEqual(["multi-rule: scenario measured"]);

    const otherRtt = results();
    otherRtt.rttMs = 50;
    expect(failures(results(), otherRtt)).toContain("rttMs (runs compare at the same round trip)");

    const weakDigest = results();
    weakDigest.digest.wasmMBps = 140; // wasm / noble 1.4 against 3
    expect(failures(results(), weakDigest)).toEqual([
      "digest: wasm / @noble at 1 MiB",
      "digest: wasm / hash-wasm at 1 MiB",
    ]);
  });

  it("judges signature verification against the bare platform call, not against @noble", () => {
    // A CPU where native ECDSA is only 4x @noble, with imgverify's path as close to the bare call.
    const otherCpu = results();
    Object.assign(otherCpu.verify, {
      webcryptoPerSec: 3_900,
      noblePerSec: 1_000,
      bareSubtlePerSec: 4_600,
    });
    expect(failures(results(), otherCpu)).toEqual([]);

    // WebCrypto no longer used: the path runs at @noble's speed.
    const fallenBack = results();
    fallenBack.verify.webcryptoPerSec = fallenBack.verify.noblePerSec;
    expect(failures(results(), fallenBack)).toEqual([
      "verify: verifySignature (WebCrypto) / bare subtle.verify per second",
    ]);
  });
});

describe("comparedResults", () => {
  it("accepts a complete run", () => {
    const json: unknown = JSON.parse(JSON.stringify(results()));
    expect(comparedResults(json, "latest.json")).toEqual(results());
  });

  it("names every missing or non-numeric field at once", () => {
    const broken = JSON.parse(JSON.stringify(results()));
    delete broken.rttMs;
    broken.digest.nobleMBps = "fast";
    delete broken.scenarios[1].modes.warm;
    expect(() => comparedResults(broken, "baseline.json")).toThrow(
      "baseline.json: missing or not a number: rttMs, digest.nobleMBps, " +
        "scenarios.1.modes.warm.meanMs, scenarios.1.modes.warm.p99Ms, " +
        "scenarios.1.modes.warm.requests, scenarios.1.modes.warm.distinctRequests",
    );
    expect(() => comparedResults({ ...results(), scenarios: [] }, "x")).toThrow(
      "x: missing or not a number: scenarios",
    );
  });
});
