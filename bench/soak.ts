/**
 * Soak: the webhook's app in this process, fed 100,000 warm admissions
 * (digest-pinned images whose verdicts are cached) and 10,000 cold ones (by
 * tag, over a rotating set of images larger than their cache, so every one
 * is verified against the real registry again), interleaved in rounds.
 * RSS and heap are sampled after each round, after a collection; the goal is
 * RSS growth under 20 MB from the end of warm-up to the end.
 *
 *   bun bench/soak.ts [--warm N] [--cold N] [--rtt MS]    (npm run bench:soak)
 *
 * Writes bench/results/soak.json and the figures into bench/results/latest.json
 * (when a bench run wrote one; later bench runs keep them); exits 1 when the goal fails or an
 * admission is not answered as the first one of its image was.
 */
import { mkdir, writeFile } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { silentLogger, systemClock } from "../src/deps.ts";
import { VerificationCache } from "../src/engine/index.ts";
import { createApp } from "../src/http/app.ts";
import { fixedToken } from "../src/http/bearer-token.ts";
import { loadSha256 } from "../src/runtime/sha256-file.ts";
import { reviewJson } from "../test/unit/engine/core/world.ts";
import { benchClient, benchTrust } from "./admission.ts";
import { withBenchRegistry } from "./harness.ts";
import { recordSoak } from "./latest.ts";
import { buildScenarios, seedScenarioImages } from "./scenarios.ts";

const { values } = parseArgs({
  options: {
    warm: { type: "string", default: "100000" },
    cold: { type: "string", default: "10000" },
    rtt: { type: "string", default: "1" },
  },
});
const WARM = Number(values.warm);
const COLD = Number(values.cold);
const RTT_MS = Number(values.rtt);
const ROUNDS = 10;
/** The first round warms JIT, caches and pools; growth is counted from its end. */
const WARMUP_ROUNDS = 1;
const COLD_CONCURRENCY = 8;
const GOAL_MB = 20;
const TOKEN = "soak-bench-token-0123456789abcdef";
const MB = 1024 * 1024;

function collect(): void {
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
  if (bun) bun.gc(true);
  else (globalThis as { gc?: () => void }).gc?.();
}

function memory(): { rssMB: number; heapMB: number } {
  collect();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMB: rss / MB, heapMB: heapUsed / MB };
}

await withBenchRegistry(RTT_MS, async ({ registry, proxy }) => {
  const material = await seedScenarioImages(registry);
  const scenario = buildScenarios(material, registry.host, proxy.host).find(
    (s) => s.name === "single-rule",
  );
  if (scenario === undefined) throw new Error("no single-rule scenario");
  const images = material.attested.map((ref) => ref.replace(registry.host, proxy.host));
  const client = await benchClient(proxy);
  const sha256 = await loadSha256(undefined, silentLogger);
  const token = await fixedToken(TOKEN, "the soak's token");
  const appOver = (cache: VerificationCache) =>
    createApp({
      fetch: (request) => globalThis.fetch(request),
      clock: systemClock,
      logger: silentLogger,
      sha256,
      auth: { mode: "bearer", token },
      engine: {
        policies: scenario.policies,
        client,
        trust: benchTrust(),
        clock: systemClock,
        cache,
        options: { defaultTimeoutSeconds: 30 },
      },
    });
  // Warm: a cache that holds every image; cold: one smaller than the rotation.
  const warmApp = appOver(new VerificationCache({ clock: systemClock }));
  const coldApp = appOver(new VerificationCache({ clock: systemClock, maxEntries: 2 }));

  const post = async (app: typeof warmApp, image: string): Promise<string> => {
    const res = await app.fetch(
      new Request("https://imgverify.test/mutate", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(reviewJson([{ name: "app", image }])),
      }),
    );
    const { response } = (await res.json()) as { response: { allowed: boolean; patch?: string } };
    if (!response.allowed) throw new Error(`${image} was not admitted`);
    return response.patch ?? "";
  };

  // Each image once by tag, for its digest; the pinned references then stay warm.
  const pinned: string[] = [];
  for (const image of images) {
    const patch = JSON.parse(atob(await post(warmApp, image))) as { value?: string }[];
    const value = patch.find((op) => typeof op.value === "string" && op.value.includes("@"));
    if (value?.value === undefined) throw new Error(`no digest patch for ${image}`);
    pinned.push(value.value);
  }

  const samples: { round: number; admissions: number; rssMB: number; heapMB: number }[] = [];
  let admissions = 0;
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const warm = WARM / ROUNDS;
    for (let i = 0; i < warm; i++) await post(warmApp, pinned[i % pinned.length] as string);
    const cold = COLD / ROUNDS;
    let next = 0;
    await Promise.all(
      Array.from({ length: COLD_CONCURRENCY }, async () => {
        while (next < cold) {
          const i = next++;
          await post(coldApp, images[(round * cold + i) % images.length] as string);
        }
      }),
    );
    admissions += warm + cold;
    samples.push({ round, admissions, ...memory() });
    const last = samples.at(-1);
    console.log(
      `round ${round + 1}/${ROUNDS}: ${admissions} admissions, RSS ${last?.rssMB.toFixed(1)} MB, heap ${last?.heapMB.toFixed(1)} MB, ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
  const base = samples[WARMUP_ROUNDS - 1];
  const end = samples.at(-1);
  if (base === undefined || end === undefined) throw new Error("no samples");
  const rssGrowthMB = Math.round((end.rssMB - base.rssMB) * 10) / 10;
  const heapGrowthMB = Math.round((end.heapMB - base.heapMB) * 10) / 10;
  const holds = rssGrowthMB < GOAL_MB;
  const soak = { admissions, warm: WARM, cold: COLD, rssGrowthMB, heapGrowthMB, samples };
  console.log(
    `\n${holds ? "PASS" : "FAIL"} soak: RSS growth after warm-up < ${GOAL_MB} MB: ${rssGrowthMB} MB (heap ${heapGrowthMB} MB) over ${admissions} admissions`,
  );
  const out = new URL("./results/soak.json", import.meta.url);
  await mkdir(new URL(".", out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ rttMs: RTT_MS, soak }, null, 2)}\n`);
  console.log(`wrote ${fileURLToPath(out)}`);
  const measuredAt = new Date().toISOString();
  const latest = await recordSoak({ admissions, rssGrowthMB, heapGrowthMB, measuredAt });
  if (latest !== undefined) console.log(`recorded soak figures in ${latest}`);
  if (!holds) process.exitCode = 1;
});
