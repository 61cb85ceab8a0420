import { describe, expect, it } from "vitest";
import { systemClock } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import type { EngineTiming } from "../../../src/engine/index.ts";
import { createApp } from "../../../src/http/app.ts";
import { AdmissionMetrics } from "../../../src/http/metrics.ts";

const timing = (requests: number, sharedRequests: number): EngineTiming => ({
  mode: "parallel",
  totalMs: 5,
  budgetMs: 9000,
  timedOut: false,
  requests,
  sharedRequests,
  resolutions: 1,
  checks: 1,
  sharedChecks: 0,
  cachedChecks: 0,
  foreseen: 0,
});

/** The value of the sample line starting `series `. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series} in\n${text}`);
  return Number(line.slice(series.length + 1));
}

describe("AdmissionMetrics", () => {
  it("counts verdicts per route, latency buckets, registry calls, cache and in-flight", () => {
    let cache = { hits: 3, misses: 2, stored: 2, tooLarge: 0, sharedHits: 1, sharedErrors: 4 };
    const metrics = new AdmissionMetrics(() => cache);
    metrics.started("validate");
    metrics.started("mutate");
    metrics.started("mutate");
    metrics.finished({
      route: "validate",
      verdict: "allowed",
      durationMs: 3,
      timing: timing(4, 9),
    });
    metrics.finished({ route: "mutate", verdict: "denied", durationMs: 200, timing: timing(2, 1) });
    cache = { ...cache, hits: 5 };
    const text = metrics.render();
    expect(sample(text, 'imgverify_admissions_total{route="validate",verdict="allowed"}')).toBe(1);
    expect(sample(text, 'imgverify_admissions_total{route="mutate",verdict="denied"}')).toBe(1);
    expect(sample(text, 'imgverify_admissions_total{route="mutate",verdict="error"}')).toBe(0);
    const bucket = (route: string, le: string) =>
      sample(text, `imgverify_admission_duration_seconds_bucket{route="${route}",le="${le}"}`);
    expect(bucket("validate", "0.005")).toBe(1);
    expect(bucket("mutate", "0.1")).toBe(0);
    expect(bucket("mutate", "0.25")).toBe(1);
    expect(bucket("mutate", "+Inf")).toBe(1);
    expect(sample(text, 'imgverify_admission_duration_seconds_sum{route="mutate"}')).toBeCloseTo(
      0.2,
    );
    expect(sample(text, 'imgverify_admission_duration_seconds_count{route="validate"}')).toBe(1);
    expect(sample(text, "imgverify_registry_requests_total")).toBe(6);
    expect(sample(text, "imgverify_registry_requests_saved_total")).toBe(10);
    expect(sample(text, "imgverify_cache_hits_total")).toBe(5);
    expect(sample(text, "imgverify_cache_misses_total")).toBe(2);
    expect(sample(text, "imgverify_cache_shared_hits_total")).toBe(1);
    expect(sample(text, "imgverify_cache_shared_errors_total")).toBe(4);
    expect(sample(text, "imgverify_admissions_in_flight")).toBe(1);
    expect(text).toContain("# TYPE imgverify_admission_duration_seconds histogram");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("is served at GET /metrics in the text format 0.0.4", async () => {
    const metrics = new AdmissionMetrics();
    metrics.started("validate");
    metrics.finished({ route: "validate", verdict: "error", durationMs: 40_000 });
    const app = createApp({
      fetch: () => Promise.reject(new Error("offline")),
      clock: systemClock,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      sha256: nobleSha256,
      metrics,
    });
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(sample(text, 'imgverify_admissions_total{route="validate",verdict="error"}')).toBe(1);
    expect(
      sample(text, 'imgverify_admission_duration_seconds_bucket{route="validate",le="30"}'),
    ).toBe(0);
    expect(
      sample(text, 'imgverify_admission_duration_seconds_bucket{route="validate",le="+Inf"}'),
    ).toBe(1);
    expect(sample(text, "imgverify_admissions_in_flight")).toBe(0);
  });
});
