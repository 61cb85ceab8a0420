/**
 * Metrics in the Prometheus text format 0.0.4: admissions by route and
 * verdict, /verify calls by verdict, their latencies, registry calls made and
 * saved, the verification cache's hits and misses, admissions in flight.
 * Labels only take fixed route and verdict values, so the series stay few.
 */
import type { CacheStats, EngineTiming } from "../engine/index.ts";
import { LatencyHistogram } from "./metrics-histogram.ts";
import type { VerifyObservation, VerifyObserver, VerifyVerdict } from "./verify-api.ts";
import type {
  AdmissionObservation,
  AdmissionObserver,
  AdmissionRoute,
  AdmissionVerdict,
} from "./webhook.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const ROUTES: readonly AdmissionRoute[] = ["validate", "mutate"];
const VERDICTS: readonly AdmissionVerdict[] = ["allowed", "denied", "error"];
const VERIFY_VERDICTS: readonly VerifyVerdict[] = ["verified", "unverified", "invalid", "error"];

/** Every metric family: its type and help text, in the order rendered. */
const FAMILIES = {
  imgverify_admissions_total: ["counter", "Admission reviews answered, by route and verdict."],
  imgverify_admission_duration_seconds: ["histogram", "Time to answer an admission review."],
  imgverify_verify_requests_total: [
    "counter",
    "POST /verify calls answered, by verdict: every image verified, some unverified, the request invalid (4xx), or a fault (5xx).",
  ],
  imgverify_verify_duration_seconds: ["histogram", "Time to answer a POST /verify call."],
  imgverify_registry_requests_total: [
    "counter",
    "HTTP exchanges with registries made by admissions and /verify calls.",
  ],
  imgverify_registry_requests_saved_total: [
    "counter",
    "Registry calls answered by a request's own store instead of the network.",
  ],
  imgverify_cache_hits_total: [
    "counter",
    "Verification cache lookups that found a verified result.",
  ],
  imgverify_cache_misses_total: ["counter", "Verification cache lookups that found nothing."],
  imgverify_cache_shared_hits_total: [
    "counter",
    "Verification cache hits the shared tier (another process or isolate) answered.",
  ],
  imgverify_cache_shared_errors_total: [
    "counter",
    "Shared-tier cache calls that failed or timed out; the result was verified afresh.",
  ],
  imgverify_admissions_in_flight: ["gauge", "Admission reviews being evaluated now."],
} as const satisfies Record<string, readonly [string, string]>;

type Family = keyof typeof FAMILIES;

export class AdmissionMetrics implements AdmissionObserver, VerifyObserver {
  readonly #cacheStats: () => CacheStats | undefined;
  readonly #admissions = new Map<string, number>();
  readonly #latency = new Map<AdmissionRoute, LatencyHistogram>(
    ROUTES.map((route) => [route, new LatencyHistogram()]),
  );
  readonly #verifies = new Map<VerifyVerdict, number>();
  readonly #verifyLatency = new LatencyHistogram();
  #inFlight = 0;
  #registryRequests = 0;
  #registrySaved = 0;

  /** `cacheStats` reads the verification cache's counters when rendering; none: no cache. */
  constructor(cacheStats: () => CacheStats | undefined = () => undefined) {
    this.#cacheStats = cacheStats;
  }

  started(_route: AdmissionRoute): void {
    this.#inFlight++;
  }

  finished({ route, verdict, durationMs, timing }: AdmissionObservation): void {
    this.#inFlight--;
    const key = `${route}/${verdict}`;
    this.#admissions.set(key, (this.#admissions.get(key) ?? 0) + 1);
    this.#latency.get(route)?.observe(durationMs);
    this.#countRegistry(timing);
  }

  verifyFinished({ verdict, durationMs, timing }: VerifyObservation): void {
    this.#verifies.set(verdict, (this.#verifies.get(verdict) ?? 0) + 1);
    this.#verifyLatency.observe(durationMs);
    this.#countRegistry(timing);
  }

  #countRegistry(timing: EngineTiming | undefined): void {
    if (timing === undefined) return;
    this.#registryRequests += timing.requests;
    this.#registrySaved += timing.sharedRequests;
  }

  render(): string {
    const lines: string[] = [];
    const family = (name: Family) => {
      const [type, help] = FAMILIES[name];
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    /** A family of one unlabelled sample. */
    const single = (name: Family, value: number) => {
      family(name);
      lines.push(`${name} ${value}`);
    };

    family("imgverify_admissions_total");
    for (const route of ROUTES) {
      for (const verdict of VERDICTS) {
        const count = this.#admissions.get(`${route}/${verdict}`) ?? 0;
        lines.push(`imgverify_admissions_total{route="${route}",verdict="${verdict}"} ${count}`);
      }
    }
    family("imgverify_admission_duration_seconds");
    for (const [route, histogram] of this.#latency) {
      lines.push(...histogram.lines("imgverify_admission_duration_seconds", `route="${route}"`));
    }

    family("imgverify_verify_requests_total");
    for (const verdict of VERIFY_VERDICTS) {
      const count = this.#verifies.get(verdict) ?? 0;
      lines.push(`imgverify_verify_requests_total{verdict="${verdict}"} ${count}`);
    }
    family("imgverify_verify_duration_seconds");
    lines.push(...this.#verifyLatency.lines("imgverify_verify_duration_seconds", ""));

    single("imgverify_registry_requests_total", this.#registryRequests);
    single("imgverify_registry_requests_saved_total", this.#registrySaved);

    const cache = this.#cacheStats();
    single("imgverify_cache_hits_total", cache?.hits ?? 0);
    single("imgverify_cache_misses_total", cache?.misses ?? 0);
    single("imgverify_cache_shared_hits_total", cache?.sharedHits ?? 0);
    single("imgverify_cache_shared_errors_total", cache?.sharedErrors ?? 0);

    single("imgverify_admissions_in_flight", this.#inFlight);
    return `${lines.join("\n")}\n`;
  }
}
