/**
 * Admission metrics in the Prometheus text format 0.0.4: admissions by route
 * and verdict, their latency, registry calls made and saved, the
 * verification cache's hits and misses, admissions in flight. Labels only
 * take the fixed route and verdict values, so the series stay few.
 */
import type { CacheStats } from "./engine/index.ts";
import type {
  AdmissionObservation,
  AdmissionObserver,
  AdmissionRoute,
  AdmissionVerdict,
} from "./webhook.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const ROUTES: readonly AdmissionRoute[] = ["validate", "mutate"];
const VERDICTS: readonly AdmissionVerdict[] = ["allowed", "denied", "error"];
/** Upper bounds in seconds: a cached answer takes milliseconds, the webhook timeout is 10 s by default. */
const LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

interface Histogram {
  /** Counts per bucket, not cumulative; the last slot is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

export class AdmissionMetrics implements AdmissionObserver {
  readonly #cacheStats: () => CacheStats | undefined;
  readonly #admissions = new Map<string, number>();
  readonly #latency = new Map<AdmissionRoute, Histogram>();
  #inFlight = 0;
  #registryRequests = 0;
  #registrySaved = 0;

  /** `cacheStats` reads the verification cache's counters when rendering; none: no cache. */
  constructor(cacheStats: () => CacheStats | undefined = () => undefined) {
    this.#cacheStats = cacheStats;
    for (const route of ROUTES) {
      this.#latency.set(route, {
        buckets: LATENCY_BUCKETS.map(() => 0).concat(0),
        sum: 0,
        count: 0,
      });
    }
  }

  started(_route: AdmissionRoute): void {
    this.#inFlight++;
  }

  finished({ route, verdict, durationMs, timing }: AdmissionObservation): void {
    this.#inFlight--;
    const key = `${route}/${verdict}`;
    this.#admissions.set(key, (this.#admissions.get(key) ?? 0) + 1);
    const histogram = this.#latency.get(route);
    if (histogram !== undefined) {
      const seconds = Math.max(0, durationMs) / 1000;
      const slot = LATENCY_BUCKETS.findIndex((bound) => seconds <= bound);
      const at = slot < 0 ? LATENCY_BUCKETS.length : slot;
      histogram.buckets[at] = (histogram.buckets[at] ?? 0) + 1;
      histogram.sum += seconds;
      histogram.count++;
    }
    if (timing !== undefined) {
      this.#registryRequests += timing.requests;
      this.#registrySaved += timing.sharedRequests;
    }
  }

  render(): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family(
      "imgverify_admissions_total",
      "counter",
      "Admission reviews answered, by route and verdict.",
    );
    for (const route of ROUTES) {
      for (const verdict of VERDICTS) {
        const count = this.#admissions.get(`${route}/${verdict}`) ?? 0;
        lines.push(`imgverify_admissions_total{route="${route}",verdict="${verdict}"} ${count}`);
      }
    }

    family(
      "imgverify_admission_duration_seconds",
      "histogram",
      "Time to answer an admission review.",
    );
    for (const [route, histogram] of this.#latency) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((bound, i) => {
        cumulative += histogram.buckets[i] ?? 0;
        lines.push(
          `imgverify_admission_duration_seconds_bucket{route="${route}",le="${bound}"} ${cumulative}`,
        );
      });
      lines.push(
        `imgverify_admission_duration_seconds_bucket{route="${route}",le="+Inf"} ${histogram.count}`,
        `imgverify_admission_duration_seconds_sum{route="${route}"} ${histogram.sum}`,
        `imgverify_admission_duration_seconds_count{route="${route}"} ${histogram.count}`,
      );
    }

    family(
      "imgverify_registry_requests_total",
      "counter",
      "HTTP exchanges with registries made by admissions.",
    );
    lines.push(`imgverify_registry_requests_total ${this.#registryRequests}`);
    family(
      "imgverify_registry_requests_saved_total",
      "counter",
      "Registry calls answered by an admission's own store instead of the network.",
    );
    lines.push(`imgverify_registry_requests_saved_total ${this.#registrySaved}`);

    const cache = this.#cacheStats();
    family(
      "imgverify_cache_hits_total",
      "counter",
      "Verification cache lookups that found a verified result.",
    );
    lines.push(`imgverify_cache_hits_total ${cache?.hits ?? 0}`);
    family(
      "imgverify_cache_misses_total",
      "counter",
      "Verification cache lookups that found nothing.",
    );
    lines.push(`imgverify_cache_misses_total ${cache?.misses ?? 0}`);

    family("imgverify_admissions_in_flight", "gauge", "Admission reviews being evaluated now.");
    lines.push(`imgverify_admissions_in_flight ${this.#inFlight}`);
    return `${lines.join("\n")}\n`;
  }
}
