/**
 * Warm admission throughput: the Bun webhook (the demo `serve`, POST /mutate
 * with its cache warm) against a bare Hono echo of the same AdmissionReview on
 * the same Bun, each in its own child process, loaded in turn by autocannon
 * from this process over plain HTTP on loopback. The webhook is loaded twice:
 * with the example's image by tag (resolved on every admission, one HEAD to
 * the demo registry) and pinned to the digest its first answer patched in
 * (no registry request at all). Every answer must be 200 and byte-equal to a
 * checked admitted answer, or the bench fails. Target: the pinned admission
 * serves >= 50% of the echo's requests per second.
 * `npx bun bench/throughput.ts [--quick]`; exits 1 when the target fails.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import autocannon from "autocannon";
import {
  type AdmissionAnswer,
  checkAdmitted,
  checkServedFromCache,
  combineRuns,
  loadProblems,
  type RunFigures,
  round2,
  type ServerFigures,
} from "./throughput/figures.ts";
import {
  type CpuProfile,
  type ProfileSummary,
  printProfileSummary,
  summarizeCpuProfile,
} from "./throughput/profile.ts";
import {
  bunVersion,
  REPO_ROOT,
  type ServerProcess,
  startServer,
} from "./throughput/server-process.ts";

/** The route whose answer is the real work: /validate would deny the demo's tag (digest missing). */
const ROUTE = "/mutate";
/** The webhook authenticates callers; both servers get the same header so requests weigh the same. */
const AUTH_TOKEN = "throughput-bench-token-0123456789";
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${AUTH_TOKEN}` };
const TARGET_RATIO = 0.5;
const CONNECTIONS = 10;
/** Latencies kept per run: far above what one loopback run answers, a bound on memory. */
const MAX_LATENCY_SAMPLES = 2_000_000;
/**
 * Each server is loaded this long before it is measured: JavaScriptCore keeps
 * compiling the webhook's code for several seconds (a JIT thread busy at
 * ~100 us per request after 1-3 s here), so "warm" needs more than one second.
 * Rounds alternate the order, so drift in the neighbours' load does not
 * favour one server.
 */
const PLANS = {
  quick: { warmupS: 3, durationS: 3, rounds: 1, profileS: 3 },
  full: { warmupS: 10, durationS: 10, rounds: 2, profileS: 5 },
} as const;

export interface ThroughputResult {
  /** The image by tag. */
  imgverifyRps: number;
  echoRps: number;
  /** imgverifyRps / echoRps. */
  ratio: number;
  /** The image pinned by digest, its verdicts cached: what the target judges. */
  warmReqPerSec: number;
  echoReqPerSec: number;
  /** warmReqPerSec / echoReqPerSec. */
  pinnedRatio: number;
  /**
   * Echo CPU per request / webhook CPU per request: the ratio the servers
   * would reach if each had a core to itself; null without /proc.
   */
  cpuRatio: number | null;
  p99Ms: Record<ServerName, number>;
  p50Ms: Record<ServerName, number>;
  /** Server CPU time per answered request (user + system, all threads); null without /proc. */
  serverCpuUsPerRequest: Record<ServerName, number | null>;
  /** CPU cores' worth the load generator used while loading each server. */
  loadGeneratorCores: Record<ServerName, number>;
  connections: number;
  /** Seconds of each measured run. */
  durationS: number;
  rounds: number;
  route: string;
  bunVersion: string;
  cpuCores: number;
  /** The machine's 1-minute load average after the runs: other work competes for the cores. */
  loadAverage: number;
  holds: boolean;
  /** Where the pinned admission's JavaScript time goes, from a profiled run of its own. */
  profile: ProfileSummary;
}

type ServerName = "imgverify" | "pinned" | "echo";

interface Target {
  name: ServerName;
  url: string;
  /** The AdmissionReview it is loaded with. */
  body: string;
  cpuSeconds(): Promise<number | undefined>;
  /** The checked answer every response under load must equal. */
  expected: string;
}

async function post(url: string, body: string): Promise<Response> {
  return fetch(`${url}${ROUTE}`, {
    method: "POST",
    headers: HEADERS,
    body,
    signal: AbortSignal.timeout(30_000),
  });
}

async function answerOf(url: string, body: string): Promise<AdmissionAnswer> {
  const response = await post(url, body);
  return {
    status: response.status,
    text: await response.text(),
    serverTiming: response.headers.get("server-timing"),
  };
}

/** The webhook's second answer: the first verified the image and filled the cache. */
async function warmWebhook(url: string, body: string, uid: string): Promise<string> {
  checkAdmitted("imgverify (cold)", await answerOf(url, body), uid, { patch: true });
  const warm = await answerOf(url, body);
  checkAdmitted("imgverify (warm)", warm, uid, { patch: true });
  checkServedFromCache(warm.serverTiming);
  return warm.text;
}

/** `body` with each image the admitted answer's patch pinned, as the object reads once mutated. */
function pinnedBody(body: string, answer: string): string {
  const { response } = JSON.parse(answer) as { response: { patch: string } };
  const review = JSON.parse(body);
  for (const op of JSON.parse(atob(response.patch)) as {
    op: string;
    path: string;
    value: unknown;
  }[]) {
    const match = /^\/spec\/containers\/(\d+)\/image$/.exec(op.path);
    if (op.op === "replace" && match)
      review.request.object.spec.containers[Number(match[1])].image = op.value;
  }
  return JSON.stringify(review);
}

/** The webhook's answer to the pinned body once warm: admitted, no patch, nothing checked. */
async function warmPinned(url: string, body: string, uid: string): Promise<string> {
  const warm = await answerOf(url, body);
  checkAdmitted("imgverify (pinned)", warm, uid, { patch: false });
  checkServedFromCache(warm.serverTiming);
  return warm.text;
}

/** autocannon keeps latencies in whole milliseconds: each answer's is kept here instead. */
async function load(
  target: Target,
  durationS: number,
): Promise<{ result: autocannon.Result; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.url}${ROUTE}`,
        method: "POST",
        headers: HEADERS,
        body: target.body,
        connections: CONNECTIONS,
        duration: durationS,
        expectBody: target.expected,
      },
      (err: unknown, done: autocannon.Result) => (err ? reject(err) : resolve(done)),
    );
    instance.on("response", (_client, _status, _bytes, ms) => {
      if (latenciesMs.length < MAX_LATENCY_SAMPLES) latenciesMs.push(ms);
    });
  });
  const problems = loadProblems(result);
  if (problems.length > 0) {
    throw new Error(
      `${target.name} under load: ${problems.join(", ")} (of ${result.requests.total})`,
    );
  }
  return { result, latenciesMs };
}

async function measure(target: Target, durationS: number): Promise<RunFigures> {
  const cpuBefore = await target.cpuSeconds();
  const loadGenBefore = process.cpuUsage();
  const { result, latenciesMs } = await load(target, durationS);
  const loadGen = process.cpuUsage(loadGenBefore);
  const cpuAfter = await target.cpuSeconds();
  return {
    requests: result.requests.total,
    durationS: result.duration,
    latenciesMs,
    serverCpuS:
      cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    loadGeneratorCpuS: (loadGen.user + loadGen.system) / 1e6,
  };
}

const fixed = (value: number | null, digits: number): string =>
  value === null ? "n/a" : value.toFixed(digits);

function printTable(figures: Record<ServerName, ServerFigures>): void {
  console.log(
    "server          req/s    p50 ms   p99 ms   requests   server CPU/req   load-gen cores",
  );
  for (const [name, f] of Object.entries(figures)) {
    console.log(
      `  ${name.padEnd(11)} ${f.rps.toFixed(0).padStart(7)} ${f.p50Ms.toFixed(2).padStart(9)} ` +
        `${f.p99Ms.toFixed(2).padStart(8)} ${String(f.requests).padStart(10)} ` +
        `${fixed(f.serverCpuUsPerRequest, 0).padStart(13)} us ${f.loadGeneratorCores.toFixed(2).padStart(16)}`,
    );
  }
}

export async function runThroughputBench(options: { quick: boolean }): Promise<ThroughputResult> {
  const plan = options.quick ? PLANS.quick : PLANS.full;
  const body = await readFile(new URL("../examples/admit.json", import.meta.url), "utf8");
  const uid = (JSON.parse(body) as { request: { uid: string } }).request.uid;
  const started = await Promise.allSettled([
    startServer("imgverify", WEBHOOK_ARGS, { IMGVERIFY_AUTH_TOKEN: AUTH_TOKEN }),
    startServer("echo", ["bench/throughput/echo-server.ts"]),
  ]);
  try {
    const [webhook, echo] = started.map((outcome) => {
      if (outcome.status === "rejected") throw outcome.reason;
      return outcome.value;
    }) as [ServerProcess, ServerProcess];
    const echoAnswer = await answerOf(echo.url, body);
    checkAdmitted("echo", echoAnswer, uid, { patch: false });
    const tagged = await warmWebhook(webhook.url, body, uid);
    const pinned = pinnedBody(body, tagged);
    const targets: Record<ServerName, Target> = {
      imgverify: { ...webhook, name: "imgverify", body, expected: tagged },
      pinned: {
        ...webhook,
        name: "pinned",
        body: pinned,
        expected: await warmPinned(webhook.url, pinned, uid),
      },
      echo: { ...echo, name: "echo", body, expected: echoAnswer.text },
    };
    for (const target of Object.values(targets)) await load(target, plan.warmupS);
    const runs: Record<ServerName, RunFigures[]> = { imgverify: [], pinned: [], echo: [] };
    const names: ServerName[] = ["echo", "imgverify", "pinned"];
    for (let round = 0; round < plan.rounds; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) runs[name].push(await measure(targets[name], plan.durationS));
    }
    const figures = {
      imgverify: combineRuns(runs.imgverify),
      pinned: combineRuns(runs.pinned),
      echo: combineRuns(runs.echo),
    };
    const ratio = figures.imgverify.rps / figures.echo.rps;
    const pinnedRatio = figures.pinned.rps / figures.echo.rps;
    const serverBun = bunVersion();
    const cpuCores = availableParallelism();
    const loadAverage = round2(loadavg()[0] ?? 0);
    console.log(
      `\nWarm admission throughput on Bun ${serverBun}: POST ${ROUTE} with examples/admit.json, ` +
        `${CONNECTIONS} connections, ${plan.rounds} x ${plan.durationS} s per server after ${plan.warmupS} s of warm-up`,
    );
    console.log(
      `autocannon runs in this process (${process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.versions.node}`}) ` +
        `and shares ${cpuCores} CPU core(s) with the server under load (1-minute load average ${loadAverage}); ` +
        "every answer checked byte-equal to an admitted one",
    );
    printTable(figures);
    const cpuRatio = cpuCostRatio(figures);
    if (cpuRatio !== null) {
      console.log(
        `by server CPU per request (apart from how the cores were shared): the echo's cost is ` +
          `${(cpuRatio * 100).toFixed(1)}% of the pinned admission's`,
      );
    }
    const holds = pinnedRatio >= TARGET_RATIO;
    console.log(
      `by tag (a HEAD per admission): ${(ratio * 100).toFixed(1)}% of the echo\n` +
        `target: ${holds ? "PASS" : "FAIL"} warm digest-pinned admission throughput on Bun >= 50% of the bare Hono echo: ` +
        `${(pinnedRatio * 100).toFixed(1)}% (needs ${TARGET_RATIO * 100}%)`,
    );
    for (const server of [webhook, echo]) await server.stop();
    const profile = await profilePinned(body, uid, plan.profileS);
    printProfileSummary(profile);
    const each = <T>(pick: (f: ServerFigures) => T): Record<ServerName, T> => ({
      imgverify: pick(figures.imgverify),
      pinned: pick(figures.pinned),
      echo: pick(figures.echo),
    });
    return {
      imgverifyRps: round1(figures.imgverify.rps),
      echoRps: round1(figures.echo.rps),
      ratio: Math.round(ratio * 1000) / 1000,
      warmReqPerSec: round1(figures.pinned.rps),
      echoReqPerSec: round1(figures.echo.rps),
      pinnedRatio: Math.round(pinnedRatio * 1000) / 1000,
      cpuRatio,
      p99Ms: each((f) => f.p99Ms),
      p50Ms: each((f) => f.p50Ms),
      serverCpuUsPerRequest: each((f) => f.serverCpuUsPerRequest),
      loadGeneratorCores: each((f) => f.loadGeneratorCores),
      connections: CONNECTIONS,
      durationS: plan.durationS,
      rounds: plan.rounds,
      route: ROUTE,
      bunVersion: serverBun,
      cpuCores,
      loadAverage,
      holds,
      profile,
    };
  } finally {
    await Promise.all(
      started.map((outcome) => (outcome.status === "fulfilled" ? outcome.value.stop() : undefined)),
    );
  }
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

const WEBHOOK_ARGS = ["src/runtime/bun.ts", "--port", "0", "--shutdown-grace", "1s"];

/**
 * A webhook of its own under `bun --cpu-prof`, warmed as the measured one
 * and loaded with the pinned admission for `seconds` (the profiler slows it,
 * so its figures are not the throughput's); the profile is written when it
 * stops.
 */
async function profilePinned(body: string, uid: string, seconds: number): Promise<ProfileSummary> {
  const dir = await mkdtemp(join(tmpdir(), "imgverify-profile-"));
  try {
    const server = await startServer(
      "imgverify (profiled)",
      ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...WEBHOOK_ARGS],
      { IMGVERIFY_AUTH_TOKEN: AUTH_TOKEN },
    );
    let admissions: number;
    try {
      const pinned = pinnedBody(body, await warmWebhook(server.url, body, uid));
      const expected = await warmPinned(server.url, pinned, uid);
      const target: Target = { ...server, name: "pinned", body: pinned, expected };
      admissions = (await load(target, seconds)).result.requests.total;
    } finally {
      await server.stop();
    }
    const file = (await readdir(dir)).find((name) => name.endsWith(".cpuprofile"));
    if (file === undefined) throw new Error(`bun --cpu-prof wrote no profile into ${dir}`);
    const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
    return summarizeCpuProfile(profile, REPO_ROOT, admissions);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function cpuCostRatio(figures: Record<ServerName, ServerFigures>): number | null {
  const webhook = figures.pinned.serverCpuUsPerRequest;
  const echo = figures.echo.serverCpuUsPerRequest;
  return webhook === null || echo === null || webhook === 0
    ? null
    : Math.round((echo / webhook) * 1000) / 1000;
}

if (import.meta.main) {
  const result = await runThroughputBench({ quick: process.argv.includes("--quick") });
  if (!result.holds) process.exitCode = 1;
}
