/**
 * The shared verified-result cache across replicas: a real redis-server, the
 * bench's registry behind its counting proxy, and two `serve` replicas on
 * Bun sharing the Redis. What replica 1 verified (one image by tag, one by
 * digest), replica 2 must admit without asking for a signature or an
 * attestation, counted from the proxy's log by path; then, with Redis
 * killed, every admission to either replica must still be answered
 * correctly within Kyverno's default webhook timeout.
 *
 *   bun bench/shared-cache.ts [--rtt MS]    (or npx tsx bench/shared-cache.ts)
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { makeTempDir, removeTempDir } from "../test/support/cleanup.ts";
import type { StartedServer } from "../test/support/cli.ts";
import type { LoggedRequest } from "../test/support/proxy-log.ts";
import { type StartedRedis, startRedis } from "../test/support/redis.ts";
import { isEvidenceRequest } from "./evidence-requests.ts";
import { type BenchRegistry, withBenchRegistry } from "./harness.ts";
import type { SharedCacheFigures } from "./latest.ts";
import { type AdmissionCase, admitAll, admitImage, type Replica } from "./replica-admissions.ts";
import { startReplicas } from "./replicas.ts";
import { prepareSharedCacheMaterial, type SharedCacheMaterial } from "./shared-cache-material.ts";
import { printTargets, type Target } from "./targets.ts";

export interface SharedCacheBenchResult {
  figures: SharedCacheFigures;
  targets: Target[];
}

const TOKEN = "shared-cache-bench-token-0123456789abcdef";
const REDIS_DOWN_ADMISSIONS = 20;
/** Kyverno's default webhookTimeoutSeconds, which is also the engine's default budget. */
const ADMISSION_DEADLINE_MS = 10_000;

const round = (value: number): number => Math.round(value * 10) / 10;

/** The registry requests `run` makes, as the proxy logged them. */
async function requestsDuring(
  proxy: BenchRegistry["proxy"],
  run: () => Promise<unknown>,
): Promise<LoggedRequest[]> {
  await proxy.settled();
  await proxy.reset();
  await run();
  await proxy.settled();
  return proxy.log();
}

/** `REDIS_DOWN_ADMISSIONS` admissions alternating between `replicas`, each case in turn. */
function redisDownAdmissions(material: SharedCacheMaterial, replicas: readonly Replica[]) {
  const cases: AdmissionCase[] = [
    { image: material.byTag, allowed: true },
    { image: material.byDigest, allowed: true },
    // Not verified by anyone before Redis went: each replica looks it up, misses and verifies.
    { image: material.unseen, allowed: true },
    { image: material.unsigned, allowed: false },
  ];
  return Array.from({ length: REDIS_DOWN_ADMISSIONS }, (_, i) => ({
    replica: replicas[i % replicas.length] as Replica,
    ...(cases[Math.floor(i / replicas.length) % cases.length] as AdmissionCase),
  }));
}

async function measure(
  bench: BenchRegistry,
  dir: string,
  servers: StartedServer[],
  redis: StartedRedis,
): Promise<SharedCacheBenchResult> {
  const material = await prepareSharedCacheMaterial(bench, dir);
  const { policyFile, cacheKeyFile, evidence } = material;
  const urls = await startReplicas(
    2,
    { policyFile, token: TOKEN, insecureRegistry: bench.proxy.host, redis, cacheKeyFile, dir },
    servers,
  );
  const [first, second] = urls.map((url): Replica => ({ url, token: TOKEN }));
  if (first === undefined || second === undefined) throw new Error("replicas did not start");

  const firstAdmissions = async (replica: Replica) =>
    requestsDuring(bench.proxy, async () => {
      for (const image of [material.byTag, material.byDigest]) {
        const answer = await admitImage(replica, image, ADMISSION_DEADLINE_MS);
        if (!answer.allowed) throw new Error(`${replica.url} refused ${image}: ${answer.message}`);
      }
    });
  const countEvidence = (log: LoggedRequest[]): number =>
    log.filter((request) => isEvidenceRequest(request.path, evidence)).length;
  const cold = await firstAdmissions(first);
  const coldEvidence = countEvidence(cold);
  // Without the cold replica's evidence requests in the log, a count of 0 would prove nothing.
  if (coldEvidence === 0)
    throw new Error("the first replica's cold admissions asked for no evidence");
  const shared = await firstAdmissions(second);
  const secondReplicaRequests = countEvidence(shared);

  await redis.kill();
  const answers = await admitAll(
    redisDownAdmissions(material, [first, second]),
    ADMISSION_DEADLINE_MS,
  );
  const correct = answers.filter((a) => a.correct);
  const redisDownMeanMs = round(answers.reduce((sum, a) => sum + a.ms, 0) / answers.length);
  const wrong = answers.filter((a) => !a.correct).map((a) => `${a.image}: ${a.problem}`);
  return {
    figures: {
      secondReplicaRequests,
      redisDownAdmissionsOk: correct.length === answers.length,
      redisDownMeanMs,
    },
    targets: [
      {
        name: "second replica's first admission of a verified image makes 0 signature/attestation requests",
        holds: secondReplicaRequests === 0,
        detail: `${secondReplicaRequests} of its ${shared.length} registry requests (the first replica's cold admissions: ${coldEvidence} of ${cold.length})`,
      },
      {
        name: "with Redis down, every admission answered correctly",
        holds: correct.length === answers.length,
        detail:
          `${correct.length}/${answers.length} correct within ${ADMISSION_DEADLINE_MS / 1000} s, mean ${redisDownMeanMs} ms` +
          (wrong.length > 0 ? `; ${wrong.join("; ")}` : ""),
      },
    ],
  };
}

export async function runSharedCacheBench(rttMs: number): Promise<SharedCacheBenchResult> {
  return withBenchRegistry(rttMs, async (bench) => {
    const dir = makeTempDir("bench-shared-cache");
    const servers: StartedServer[] = [];
    let redis: StartedRedis | undefined;
    try {
      redis = await startRedis(dir);
      const result = await measure(bench, dir, servers, redis);
      console.log(
        `\nshared cache (two Bun replicas, one Redis, round trip ${rttMs} ms): ${JSON.stringify(result.figures)}`,
      );
      printTargets(result.targets, "shared cache targets:");
      return result;
    } finally {
      await Promise.all(servers.map((server) => server.guarded.stop()));
      await redis?.kill();
      removeTempDir(dir);
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { rtt: { type: "string", default: "25" } } });
  const { targets } = await runSharedCacheBench(Number(values.rtt));
  if (!targets.every((t) => t.holds)) process.exitCode = 1;
}
