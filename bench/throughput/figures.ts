/**
 * The throughput bench's pure parts: what makes an answer an admitted one,
 * what voids a load run, and the figures of a server's runs.
 */
import type autocannon from "autocannon";

export interface AdmissionAnswer {
  status: number;
  text: string;
  serverTiming: string | null;
}

/** Throws unless `answer` is HTTP 200 admitting `uid`, with a JSON patch when `patch`. */
export function checkAdmitted(
  who: string,
  answer: AdmissionAnswer,
  uid: string,
  { patch }: { patch: boolean },
): void {
  const refuse = (why: string): Error => new Error(`${who}: ${why}: ${answer.text.slice(0, 400)}`);
  if (answer.status !== 200) throw refuse(`HTTP ${answer.status}`);
  let review: { response?: Record<string, unknown> } | null;
  try {
    review = JSON.parse(answer.text);
  } catch (cause) {
    throw new Error(`${who}: the answer is not JSON`, { cause });
  }
  const response = review?.response;
  if (response?.uid !== uid) throw refuse(`the answer is not for uid ${uid}`);
  if (response.allowed !== true) throw refuse("the AdmissionReview was not admitted");
  if (patch && (response.patchType !== "JSONPatch" || typeof response.patch !== "string")) {
    throw refuse("the admission carries no JSON patch");
  }
}

/** Throws unless the webhook's Server-Timing says no check ran and one came from the cache. */
export function checkServedFromCache(serverTiming: string | null): void {
  const checks = /checks;desc="run=(\d+) shared=\d+ cached=(\d+)"/.exec(serverTiming ?? "");
  if (checks?.[1] !== "0" || checks[2] === "0") {
    throw new Error(
      `imgverify: the repeated admission was not answered from the cache (Server-Timing: ${serverTiming})`,
    );
  }
}

/** What makes a load run void: any failed, timed-out, non-2xx or unexpected answer, or none. */
export function loadProblems(
  result: Pick<autocannon.Result, "errors" | "timeouts" | "non2xx" | "mismatches" | "requests">,
): string[] {
  const counts = {
    "connection errors": result.errors,
    timeouts: result.timeouts,
    "non-2xx answers": result.non2xx,
    "answers unlike the admitted one": result.mismatches,
  };
  const problems = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([what, count]) => `${count} ${what}`);
  if (result.requests.total === 0) problems.push("no answers at all");
  return problems;
}

export interface RunFigures {
  requests: number;
  durationS: number;
  /** Milliseconds of each answer recorded (up to MAX_LATENCY_SAMPLES). */
  latenciesMs: readonly number[];
  /** Undefined where the server's CPU time cannot be read. */
  serverCpuS: number | undefined;
  loadGeneratorCpuS: number;
}

export interface ServerFigures {
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerRequest: number | null;
  loadGeneratorCores: number;
}

/** The nearest-rank percentile `p` (0-100] of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("no latencies recorded");
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export const round2 = (value: number): number => Math.round(value * 100) / 100;

/** The rounds of one server as one: requests over the total time, latencies over all answers. */
export function combineRuns(runs: readonly RunFigures[]): ServerFigures {
  if (runs.length === 0) throw new Error("no runs to combine");
  const sum = (of: (run: RunFigures) => number): number =>
    runs.reduce((total, run) => total + of(run), 0);
  const requests = sum((run) => run.requests);
  const durationS = sum((run) => run.durationS);
  const latencies = runs.flatMap((run) => run.latenciesMs).sort((a, b) => a - b);
  const cpuKnown = runs.every((run) => run.serverCpuS !== undefined);
  return {
    rps: requests / durationS,
    requests,
    p50Ms: round2(percentile(latencies, 50)),
    p99Ms: round2(percentile(latencies, 99)),
    serverCpuUsPerRequest: cpuKnown
      ? Math.round((sum((run) => run.serverCpuS ?? 0) / requests) * 1e6)
      : null,
    loadGeneratorCores: round2(sum((run) => run.loadGeneratorCpuS) / durationS),
  };
}
