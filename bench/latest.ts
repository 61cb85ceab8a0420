/**
 * `bench/results/latest.json`: what one `npm run bench` measured, in the
 * shape `bench:check` compares and the README quotes.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { ScenarioFigures } from "./admission.ts";
import type { SignatureVerifyResult } from "./crypto-verify.ts";
import { type DigestBenchResult, targetDetail } from "./digest.ts";
import type { Target } from "./targets.ts";

export interface LatestResults {
  rttMs: number;
  runtime: string;
  quick: boolean;
  scenarios: ScenarioFigures[];
  digest: Pick<
    DigestBenchResult,
    "wasmMBps" | "hashWasmMBps" | "nobleMBps" | "webcryptoMBps" | "small2KiBUs"
  > &
    // Reported, not compared (absent from baselines written before it existed).
    Partial<Pick<DigestBenchResult, "sizes">>;
  verify: Omit<SignatureVerifyResult, "runtime">;
  /** Warm admission throughput of the server against a bare echo, when measured. */
  throughput?: Record<string, unknown>;
  /** The last `npm run bench:soak` (a separate run of several minutes), when there was one. */
  soak?: SoakFigures;
  /** Replicas sharing verified results through Redis (absent from results written before). */
  sharedCache?: SharedCacheFigures;
  targets: Target[];
}

export interface SharedCacheFigures {
  /** Signature and attestation requests of a second replica's first admissions of verified images. */
  secondReplicaRequests: number;
  /** Every admission with Redis down answered, correctly, within its deadline. */
  redisDownAdmissionsOk: boolean;
  /** Reported, not compared. */
  redisDownMeanMs: number;
}

export interface SoakFigures {
  admissions: number;
  rssGrowthMB: number;
  heapGrowthMB: number;
  /** When the soak ran (ISO 8601), since it is not part of every bench run. */
  measuredAt: string;
}

export const LATEST_URL: URL = new URL("./results/latest.json", import.meta.url);
export const BASELINE_URL: URL = new URL("./baseline.json", import.meta.url);

export function digestFigures(result: DigestBenchResult): LatestResults["digest"] {
  const { wasmMBps, hashWasmMBps, nobleMBps, webcryptoMBps, small2KiBUs, sizes } = result;
  return { wasmMBps, hashWasmMBps, nobleMBps, webcryptoMBps, small2KiBUs, sizes };
}

/** The digest suite's targets in the shape of the others. */
export function digestTargets(result: DigestBenchResult): Target[] {
  return result.targets.map((t) => ({
    name: t.name,
    holds: t.holds,
    detail: targetDetail(t),
  }));
}

/** What the gate compares: `latest.json` without what it only reports. */
export type ComparedResults = Pick<
  LatestResults,
  "rttMs" | "scenarios" | "digest" | "verify" | "sharedCache"
>;

const MODE_FIELDS = ["meanMs", "p99Ms", "requests", "distinctRequests"] as const;

/**
 * `json` as the fields the gate compares, or an error listing every missing
 * or non-numeric one, so a hand-edited baseline fails loudly, not as NaN.
 */
export function comparedResults(json: unknown, source: string): ComparedResults {
  const problems: string[] = [];
  const at = (value: unknown, path: string[]): unknown =>
    path.reduce<unknown>(
      (v, key) =>
        v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined,
      value,
    );
  const number = (path: string[]): void => {
    const value = at(json, path);
    if (typeof value !== "number" || !Number.isFinite(value)) problems.push(path.join("."));
  };
  number(["rttMs"]);
  for (const field of ["wasmMBps", "hashWasmMBps", "nobleMBps", "webcryptoMBps"])
    number(["digest", field]);
  number(["digest", "small2KiBUs", "default"]);
  number(["digest", "small2KiBUs", "webcrypto"]);
  number(["verify", "webcryptoPerSec"]);
  number(["verify", "noblePerSec"]);
  number(["verify", "bareSubtlePerSec"]);
  if (at(json, ["sharedCache"]) !== undefined) {
    number(["sharedCache", "secondReplicaRequests"]);
    if (typeof at(json, ["sharedCache", "redisDownAdmissionsOk"]) !== "boolean") {
      problems.push("sharedCache.redisDownAdmissionsOk (a boolean)");
    }
  }
  const scenarios = at(json, ["scenarios"]);
  if (!Array.isArray(scenarios) || scenarios.length === 0) problems.push("scenarios");
  else {
    scenarios.forEach((scenario: unknown, i) => {
      const path = ["scenarios", String(i)];
      if (typeof at(scenario, ["name"]) !== "string") problems.push(`${path.join(".")}.name`);
      number([...path, "criticalPathRtts"]);
      for (const mode of ["sequential", "parallel", "store", "warm"]) {
        for (const field of MODE_FIELDS) number([...path, "modes", mode, field]);
      }
    });
  }
  if (problems.length > 0) {
    throw new Error(`${source}: missing or not a number: ${problems.join(", ")}`);
  }
  return json as ComparedResults;
}

/** `next` with the soak figures `previous` held, when `next` has none of its own. */
export function carrySoak(previous: unknown, next: LatestResults): LatestResults {
  const soak =
    previous !== null && typeof previous === "object"
      ? (previous as { soak?: unknown }).soak
      : undefined;
  if (next.soak !== undefined || soak === null || typeof soak !== "object") return next;
  return { ...next, soak: soak as SoakFigures };
}

async function readLatestJson(): Promise<unknown> {
  try {
    return JSON.parse(await readFile(LATEST_URL, "utf8"));
  } catch {
    return undefined;
  }
}

async function writeLatestJson(value: unknown): Promise<string> {
  await mkdir(new URL(".", LATEST_URL), { recursive: true });
  await writeFile(LATEST_URL, `${JSON.stringify(value, null, 2)}\n`);
  return fileURLToPath(LATEST_URL);
}

/** Writes `latest.json`, keeping the figures of the last soak, which runs on its own. */
export async function writeLatest(results: LatestResults): Promise<string> {
  return writeLatestJson(carrySoak(await readLatestJson(), results));
}

/** Records a soak's figures in `latest.json`, when a bench run has written one. */
export async function recordSoak(soak: SoakFigures): Promise<string | undefined> {
  const latest = await readLatestJson();
  if (latest === null || typeof latest !== "object") return undefined;
  return writeLatestJson({ ...latest, soak });
}
