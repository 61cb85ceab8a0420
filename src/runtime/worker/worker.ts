/**
 * Cloudflare Workers (workerd): the full webhook at the edge. Policies and the
 * trusted root are bundled at build time (`scripts/worker.ts`); settings and
 * secrets come from the Worker's bindings under serve's `IMGVERIFY_*` names.
 * The app is built once per isolate while it starts (the bindings are read
 * from `cloudflare:workers`), from a bundle whose policies need no YAML
 * parsing and whose trusted root is parsed part by part when first needed,
 * and reused, with its verified-result cache, by every request that isolate
 * serves; the Cache API shares verified results with the other isolates of
 * the data centre. A Worker whose settings are refused answers every request
 * 503 with the reason.
 *
 * The WASM digest core arrives as an imported module (workerd compiles no
 * bytes at run time). workerd cannot resolve host names, so the address guard
 * judges the names and literals it is given, as it does everywhere.
 */

import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import bundle from "imgverify-worker-bundle";
import { jsonLineLogger } from "../../cli/logger.ts";
import { systemClock } from "../../deps.ts";
import { lazyTrustMaterial } from "../../engine/checks/index.ts";
import { VerificationCache } from "../../engine/index.ts";
import { isImgverifyError } from "../../errors.ts";
import { createApp } from "../../http/app.ts";
import { parseDockerConfig, RegistryClient } from "../../oci/index.ts";
import { loadPolicyDocuments } from "../../policy/index.ts";
import { loadSha256 } from "./sha256-worker.ts";
import type { WorkerBundle } from "./worker-bundle.ts";
import { workerSettings } from "./worker-settings.ts";
import { type WorkersCache, workersCacheStore } from "./workers-cache-store.ts";

type Bindings = Readonly<Record<string, unknown>>;

/** The app over `bindings` and the bundle; rejects with a coded error naming what is wrong. */
export async function workerApp(bindings: Bindings, built: WorkerBundle): Promise<Hono> {
  const clock = systemClock;
  const bootLogger = jsonLineLogger((line) => console.log(line.trimEnd()), clock, "info");
  const settings = await workerSettings(bindings, clock, bootLogger);
  const logger = jsonLineLogger((line) => console.log(line.trimEnd()), clock, settings.logLevel);
  const fetch = (request: Request) => globalThis.fetch(request);
  const sha256 = await loadSha256(undefined, logger);
  const loaded = loadPolicyDocuments(built.documents);
  const sharedCache = workersCache();
  const client = new RegistryClient({
    deps: { fetch, clock, logger, sha256 },
    ...(settings.registryConfigJson !== undefined && {
      credentials: parseDockerConfig(settings.registryConfigJson),
    }),
    insecureRegistries: settings.insecureRegistries,
    timeoutMs: settings.timeoutMs,
  });
  return createApp({
    fetch,
    clock,
    logger,
    sha256,
    auth: settings.auth,
    ...(settings.verifyApi && { verifyApi: settings.verifyApi }),
    engine: {
      policies: loaded.policies,
      client,
      // Checked at build time; each part is parsed when a policy first needs it.
      trust: lazyTrustMaterial(built.trustedRoot, built.trustedRootId),
      clock,
      cache: new VerificationCache({
        ...settings.cache,
        clock,
        ...(sharedCache && { shared: workersCacheStore(sharedCache) }),
      }),
      options: { configMaps: loaded.configMaps, secrets: loaded.secrets },
    },
  });
}

/** workerd's `caches.default`; absent where there is no Cache API. */
function workersCache(): WorkersCache | undefined {
  return (globalThis as { caches?: { default?: WorkersCache } }).caches?.default;
}

function refusal(err: unknown): Response {
  const code = isImgverifyError(err) ? err.code : "INTERNAL";
  const message = err instanceof Error ? err.message : String(err);
  return Response.json({ error: { code, message } }, { status: 503 });
}

// Bindings do not change within an isolate: a new secret or deploy starts new
// isolates. The engine is built while the isolate starts, which Cloudflare does
// during the caller's TLS handshake, so the first admission does not wait for it.
const app: Promise<Hono> = workerApp(env, bundle);
// Logged once per isolate; every request still gets the reason in its 503.
app.catch((err) =>
  console.error(JSON.stringify({ message: "Worker refused", reason: String(err) })),
);

export default {
  fetch(request: Request, bindings: Bindings, context: unknown): Promise<Response> {
    return app.then(
      (ready) => ready.fetch(request, bindings, context as never),
      (err) => refusal(err),
    );
  },
};
