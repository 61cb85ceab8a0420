/**
 * One scenario on every runtime, as users start it. A real registry holds a
 * cosign-signed image and an unsigned one; one policy demands the signature.
 *
 * The Worker as it is deployed: `scripts/worker.ts build` bundles the policy
 * into a dry-run bundle (offline), which runs in workerd through Miniflare
 * with its settings as bindings, behind a counting proxy: the signed image is
 * admitted with the digest patch, the unsigned one denied, and the same
 * admission again is answered from the verified-result cache with no
 * signature or attestation request, by the same isolate and, through the
 * Cache API, by a new one. Prints the bundle size and the cold start: a new
 * isolate's first answered admission beside the same admission warm.
 *
 * Then the same AdmissionReviews through each `start:*` script (Bun, Deno and
 * Node over HTTPS, the Worker under wrangler dev), configured by the same
 * IMGVERIFY_* environment: every runtime must give Node's answers, and the
 * cold start to the first answered admission and the warm admission latency
 * are printed side by side. One file, because the Worker's bundle is one file
 * on disk (.wrangler/imgverify/bundle.json) that both parts build.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { Miniflare } from "miniflare";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { childEnv, startServer } from "../../support/cli.ts";
import { freePort } from "../../support/ports.ts";
import { type Proxy } from "../../support/proxy.ts";
import {
  REPO_ROOT,
  SERVE_RUNTIMES,
  type StartRuntime,
  serveEntry,
} from "../../support/serve-entries.ts";
import { signedScenario } from "../../support/signed-scenario.ts";
import { reviewJson } from "../../unit/engine/core/world.ts";

const TOKEN = "worker-test-token-0123456789abcdef";
const dir = makeTempDir("worker");
const outDir = join(dir, "dist");

let proxy: Proxy;
let mf: Miniflare | undefined;
let signed: string;
let signedDigest: string;
let unsigned: string;
let unsignedDigest: string;
const timings: Record<string, string> = {};

afterAll(async () => {
  await mf?.dispose();
  await proxy?.close();
  removeTempDir(dir);
  console.log(`worker bundle: ${JSON.stringify(timings)}`);
});

beforeAll(async () => {
  mkdirSync(join(dir, "policies"));
  const scenario = await signedScenario(
    inject("registries").anonymous,
    inject("seededImages").anonymous.ociImage,
    join(dir, "policies", "signed.json"),
  );
  ({ proxy, signed, signedDigest, unsigned, unsignedDigest } = scenario);
}, 120_000);

/** By digest alone: a tag beside it would be resolved again (Kyverno's tag@digest rule). */
const byDigest = (reference: string, digest: string): string =>
  `${reference.replace(/:[^:/]+$/, "")}@${digest}`;

/** workerd running the built bundle; its Cache API persists in `dir`, as a data centre's does. */
function startWorkerd(): Miniflare {
  const config = unstable_readConfig({ config: join(REPO_ROOT, "wrangler.toml") });
  return new Miniflare({
    modules: true,
    scriptPath: join(outDir, "worker.js"),
    modulesRoot: outDir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    cachePersist: join(dir, "cache"),
    bindings: {
      IMGVERIFY_AUTH_TOKEN: TOKEN,
      IMGVERIFY_INSECURE_REGISTRIES: proxy.host,
      IMGVERIFY_VERIFY_API: "on",
    },
  });
}

async function post(route: string, images: string[], token = TOKEN) {
  const started = performance.now();
  const res = await (mf as Miniflare).dispatchFetch(`https://imgverify.example/${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(reviewJson(images.map((image, i) => ({ name: `c${i}`, image })))),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

/** `scripts/worker.ts bundle` (wrangler's build step) with `env`; these runs never write the bundle. */
async function refusedBundle(env: Record<string, string>): Promise<string> {
  const run = promisify(execFile)("npx", ["tsx", "scripts/worker.ts", "bundle"], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    timeout: 60_000,
  });
  const failed = await run.then(
    () => undefined,
    (err: { code?: number; stderr?: string }) => err,
  );
  expect(failed?.code, "the build step succeeded").toBe(2);
  return failed?.stderr ?? "";
}

describe("the Worker's build step refuses what the Worker could not use", () => {
  it("stops wrangler naming IMGVERIFY_POLICIES when it is unset", async () => {
    const run = promisify(execFile)(
      "npx",
      ["wrangler", "deploy", "--dry-run", "--outdir", join(dir, "never")],
      { cwd: REPO_ROOT, env: childEnv({ WRANGLER_SEND_METRICS: "false" }), timeout: 120_000 },
    );
    const failed = await run.then(
      () => undefined,
      (err: { stdout?: string; stderr?: string }) => err,
    );
    expect(failed, "wrangler built without policies").toBeDefined();
    expect(`${failed?.stdout}${failed?.stderr}`).toContain(
      "IMGVERIFY_POLICIES must name the policy files",
    );
  }, 120_000);

  it("refuses a policy value JSON cannot carry, by file and path", async () => {
    const doc = JSON.parse(readFileSync(join(dir, "policies", "signed.json"), "utf8"));
    doc.spec.rules[0].preconditions = {
      all: [{ key: "{{ request.operation }}", operator: "NotEquals", value: "__INF__" }],
    };
    const file = join(dir, "inf.yaml");
    writeFileSync(file, JSON.stringify(doc).replace('"__INF__"', ".inf"));
    const stderr = await refusedBundle({ IMGVERIFY_POLICIES: file });
    expect(stderr).toContain(
      `${file} (document 1): spec.rules[0].preconditions.all[0].value is a value JSON cannot hold`,
    );
  });

  it("refuses a trusted root that does not parse, at build time", async () => {
    const root = join(dir, "broken-root.json");
    writeFileSync(root, JSON.stringify({ mediaType: "text/plain" }));
    const stderr = await refusedBundle({
      IMGVERIFY_POLICIES: join(dir, "policies"),
      IMGVERIFY_TRUSTED_ROOT: root,
    });
    expect(stderr).toContain("trusted root");
    expect(stderr).toContain("text/plain");
  });
});

describe("the Worker bundle in workerd", () => {
  beforeAll(async () => {
    // wrangler alone, as a user builds it: its build step bundles the policies.
    const build = await promisify(execFile)(
      "npx",
      ["wrangler", "deploy", "--dry-run", "--outdir", outDir],
      {
        cwd: REPO_ROOT,
        env: childEnv({
          IMGVERIFY_POLICIES: join(dir, "policies"),
          WRANGLER_SEND_METRICS: "false",
        }),
        timeout: 120_000,
      },
    );
    expect(build.stdout).toContain("bundled 1 policies (signed-images)");
    const script = readFileSync(join(outDir, "worker.js"));
    timings.bundleKiB = (script.length / 1024).toFixed(0);
    timings.gzipKiB = (gzipSync(script).length / 1024).toFixed(0);
    timings.wranglerReports = build.stdout.match(/Total Upload: [^\n]*/)?.[0] ?? "";

    const started = performance.now();
    mf = startWorkerd();
    await mf.ready;
    timings.workerdStartMs = (performance.now() - started).toFixed(0);
    // The engine is built while the isolate starts. Its first request (/healthz, which also
    // pays for Miniflare's first dispatch) and then its first admission (of an image no
    // policy names, so no registry time in it) show what a new isolate adds, beside the
    // same admission once warm.
    const healthStarted = performance.now();
    const health = await mf.dispatchFetch("https://imgverify.example/healthz");
    expect(await health.json()).toEqual({ status: "ok" });
    timings.firstRequestMs = (performance.now() - healthStarted).toFixed(1);
    const unnamed = ["registry.example/not-in-any-policy:1"];
    const cold = await post("validate", unnamed);
    expect(JSON.parse(cold.text).response.allowed, cold.text).toBe(true);
    const warm = await post("validate", unnamed);
    timings.firstAdmissionMs = cold.ms.toFixed(1);
    timings.sameAdmissionWarmMs = warm.ms.toFixed(1);
  }, 180_000);

  // The CEL interpreter and its protobuf runtime (ImageValidatingPolicy) take about 110 KiB;
  // Cloudflare's own limit is 3 MiB compressed on the free plan.
  it("stays within the gzip budget of 600 KiB", () => {
    expect(Number(timings.gzipKiB)).toBeLessThanOrEqual(600);
    expect(statSync(join(outDir, "worker.js")).size).toBeGreaterThan(0);
  });

  it("admits the signed image with the digest patch, then from its cache", async () => {
    const first = await post("mutate", [signed]);
    timings.coldAdmissionMs = first.ms.toFixed(0);
    expect(first.status, first.text).toBe(200);
    const { response } = JSON.parse(first.text);
    expect(response.allowed, first.text).toBe(true);
    expect(JSON.parse(atob(response.patch))).toContainEqual({
      op: "replace",
      path: "/spec/containers/0/image",
      value: `${signed}@${signedDigest}`,
    });

    const pinned = byDigest(signed, signedDigest);
    await post("validate", [pinned]);
    await proxy.settled();
    proxy.reset();
    const again = await post("validate", [pinned]);
    timings.warmAdmissionMs = again.ms.toFixed(0);
    expect(JSON.parse(again.text).response.allowed, again.text).toBe(true);
    await proxy.settled();
    // A digest-pinned image whose verdicts are cached: no registry request at all.
    expect(proxy.log.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it("denies the unsigned image", async () => {
    const denied = await post("mutate", [unsigned]);
    expect(denied.status).toBe(200);
    const { response } = JSON.parse(denied.text);
    expect(response.allowed, denied.text).toBe(false);
    expect(response.status.message).toContain("signed-images");
  });

  it("lets a new isolate reuse what another verified, through the Cache API", async () => {
    await (mf as Miniflare).dispose();
    mf = startWorkerd();
    await mf.ready;
    const pinned = byDigest(signed, signedDigest);
    await proxy.settled();
    proxy.reset();
    const answered = await post("validate", [pinned]);
    expect(JSON.parse(answered.text).response.allowed, answered.text).toBe(true);
    await proxy.settled();
    expect(proxy.log.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const metrics = await (await mf.dispatchFetch("https://imgverify.example/metrics")).text();
    expect(metrics).toContain("imgverify_cache_shared_hits_total 1");
  });

  it("serves POST /verify when its binding turns it on, for images a loaded policy verifies", async () => {
    const res = await (mf as Miniflare).dispatchFetch("https://imgverify.example/verify", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ images: [signed, unsigned], policy: "signed-images" }),
    });
    const body = (await res.json()) as { results: { verified: boolean; digest: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.results.map((r) => [r.verified, r.digest])).toEqual([
      [true, signedDigest],
      [false, unsignedDigest],
    ]);
  });

  it("refuses a caller without the token", async () => {
    expect((await post("validate", [signed], "not-the-token-0123456789")).status).toBe(401);
  });
});

const insecureTls = new Agent({ connect: { rejectUnauthorized: false } });

async function review(base: string, route: string, images: string[]) {
  const started = performance.now();
  const res = await undiciFetch(`${base}/${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(reviewJson(images.map((image, i) => ({ name: `c${i}`, image })))),
    dispatcher: insecureTls,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  expect(res.status, text).toBe(200);
  const { response } = JSON.parse(text);
  return {
    ms,
    answer: {
      allowed: response.allowed,
      patch: response.patch === undefined ? undefined : JSON.parse(atob(response.patch)),
      message: response.status?.message,
    },
  };
}

/** `npm run start:<runtime>` configured by the environment; resolves with its base URL. */
async function startRuntime(
  runtime: StartRuntime,
  tls: string,
): Promise<{ base: string; stop: () => Promise<void>; output: () => string }> {
  const [command, ...args] = serveEntry(runtime);
  const env = {
    IMGVERIFY_POLICIES: join(dir, "policies"),
    IMGVERIFY_AUTH_TOKEN: TOKEN,
    IMGVERIFY_INSECURE_REGISTRIES: proxy.host,
  };
  if (runtime !== "worker") {
    const server = startServer(
      command as string,
      args,
      {
        ...env,
        IMGVERIFY_PORT: "0",
        IMGVERIFY_TLS_CERT: `${tls}/tls.crt`,
        IMGVERIFY_TLS_KEY: `${tls}/tls.key`,
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PROMPT: "1",
      },
      dir,
    );
    return { base: await server.url, stop: () => server.guarded.stop(), output: server.stderr };
  }
  // wrangler dev runs workerd as its child: the group is stopped as one.
  const port = await freePort();
  const child = spawn(command as string, [...args, "--port", String(port), "--ip", "127.0.0.1"], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const guarded = guardProcess(child, dir);
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
  }
  const stop = async () => {
    try {
      process.kill(-(child.pid as number), "SIGTERM");
    } catch {}
    await guarded.stop();
  };
  const deadline = Date.now() + 90_000;
  while (!output.includes(`Ready on http://127.0.0.1:${port}`)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { base: `http://127.0.0.1:${port}`, stop, output: () => output };
}

describe("one scenario through every start:* script", () => {
  const WARM_RUNS = 20;
  const answers = new Map<StartRuntime, unknown>();
  const rows: string[] = [];
  let tls: string;

  beforeAll(() => {
    tls = join(dir, "tls");
    mkdirSync(tls);
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-keyout", `${tls}/tls.key`, "-out", `${tls}/tls.crt`, "-days", "1"],
        ...["-subj", "/CN=imgverify", "-addext", "subjectAltName=IP:127.0.0.1"],
      ],
      { stdio: "pipe" },
    );
  });

  afterAll(() => {
    console.log(
      [
        `runtime matrix (cold: start to first answered admission; warm: mean of ${WARM_RUNS})`,
        ...rows,
      ].join("\n"),
    );
  });

  it.each([...SERVE_RUNTIMES, "worker"] as const)(
    "gives Node's answers on %s",
    async (runtime) => {
      const started = performance.now();
      const server = await startRuntime(runtime, tls);
      try {
        const first = await review(server.base, "mutate", [signed]);
        const coldMs = performance.now() - started;
        const pinned = byDigest(signed, signedDigest);
        const results = [
          first,
          await review(server.base, "validate", [pinned]),
          await review(server.base, "mutate", [unsigned]),
          await review(server.base, "validate", [byDigest(unsigned, unsignedDigest)]),
        ];
        const found = results.map((r) => r.answer);
        expect(
          found.map((a) => a.allowed),
          server.output(),
        ).toEqual([true, true, false, false]);
        expect(found[0]?.patch).toContainEqual(
          expect.objectContaining({ value: `${signed}@${signedDigest}` }),
        );
        answers.set(runtime, found);
        if (runtime !== "node") expect(found).toEqual(answers.get("node"));

        let warm = 0;
        for (let i = 0; i < WARM_RUNS; i++)
          warm += (await review(server.base, "validate", [pinned])).ms;
        rows.push(
          `${runtime.padEnd(7)} ${runtime === "worker" ? "http " : "https"}  cold ${coldMs.toFixed(0).padStart(5)} ms   warm ${(warm / WARM_RUNS).toFixed(1).padStart(6)} ms`,
        );
      } finally {
        await server.stop();
      }
    },
    150_000,
  );
});
