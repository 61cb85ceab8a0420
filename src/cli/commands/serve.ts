import { type Logger, systemClock } from "../../deps.ts";
import { ImgverifyError, isImgverifyError } from "../../errors.ts";
import { type Command, defineCommand } from "../command.ts";
import { type CliErrorCode, EXIT_OK, usageError } from "../errors.ts";
import { parseDuration } from "../flags/duration.ts";
import { VERSION } from "../help.ts";
import type { CliIo, FetchHandler, Listener, ListenOptions, TlsMaterial } from "../io.ts";
import { jsonLineLogger, parseLogLevel } from "../logger.ts";
import { writeJson } from "../output.ts";
import { authFlags, chooseCallerAuth, chooseVerifyApi } from "../serve/auth.ts";
import { cacheFlags, parseCacheChoice } from "../serve/cache.ts";
import { CONFIG_MAP_SOURCE } from "../serve/config-maps.ts";
import { demoCommands, demoEngine, demoText, loadEngine } from "../serve/engine.ts";
import { objectSourceFlags, parseObjectSourceChoice } from "../serve/object-source.ts";
import { SECRET_SOURCE } from "../serve/secrets.ts";
import { openSharedCache, sharedCacheFlags } from "../serve/shared-cache.ts";
import { shellWord } from "../serve/shell-word.ts";
import { type TlsFiles, tlsFiles, tlsFlags, watchTls } from "../serve/tls.ts";

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = "8443";
/** Requests in flight get this long to finish after SIGINT/SIGTERM. */
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

function parsePort(text: string, source: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw usageError(`invalid port "${text}" from ${source}: expected 0-65535`, "serve");
  }
  return port;
}

/** The host as it goes in a URL a client can connect to (wildcards become loopback). */
function connectHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

async function listen(io: CliIo, handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  try {
    return await io.listen(handler, options);
  } catch (err) {
    // A runtime that refuses a setting says why with its own code.
    if (isImgverifyError(err)) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ImgverifyError<CliErrorCode>(
      "CLI_LISTEN",
      `cannot listen on ${options.host}:${options.port}${options.tls ? " with TLS" : ""}: ${reason}`,
      { cause: err },
    );
  }
}

/** Serves renewed TLS files as they change, where the runtime can; returns the stop. */
function watchServedTls(
  files: TlsFiles,
  current: TlsMaterial,
  listener: Listener,
  logger: Logger,
): (() => void) | undefined {
  const replace = listener.replaceTls;
  if (replace === undefined) {
    logger.warn(
      "TLS files are not watched: this runtime cannot replace a serving certificate (on Deno, start with --unstable-net); a renewed certificate takes effect at the next restart",
      { files: files.paths },
    );
    return undefined;
  }
  return watchTls({
    files,
    current,
    replace: (tls) => replace.call(listener, tls),
    clock: systemClock,
    logger,
  });
}

/** True when the listener closed within `ms`; false when it had to drop connections. */
async function closeWithin(listener: Listener, ms: number): Promise<boolean> {
  const done = new AbortController();
  const timedOut = systemClock.sleep(ms, done.signal).then(
    () => false,
    () => true,
  );
  try {
    const closed = await Promise.race([listener.close().then(() => true), timedOut]);
    if (!closed) listener.terminate();
    return closed;
  } finally {
    done.abort();
  }
}

export const serveCommand: Command = defineCommand({
  name: "serve",
  summary: "Run the admission webhook HTTP server.",
  usage:
    "[--policy FILE|DIR...] [--auth-token-file FILE | --client-ca FILE | --allow-unauthenticated] [--verify-api] [--config-maps files|kube] [--secrets files|kube] [--host HOST] [--port PORT] [--tls-cert FILE --tls-key FILE]",
  details: `
Serves the admission webhook on HOST and PORT ($IMGVERIFY_PORT, default 8443):
POST /validate and POST /mutate take an AdmissionReview and answer it through
the verifyImages policies loaded from each --policy FILE or DIR (.yaml, .yml
and .json files; ConfigMaps beside them serve rule context); /mutate also
pins verified digests with a JSON patch. Bodies must be application/json
(else 415) within 6.25 MiB (else 413, read no further).

Callers of /validate, /mutate and /verify are authenticated, or 401: by a
bearer token (IMGVERIFY_AUTH_TOKEN, or --auth-token-file FILE /
IMGVERIFY_AUTH_TOKEN_FILE, read again within a second of a change), or by
a client certificate that --client-ca FILE (IMGVERIFY_CLIENT_CA) signed,
demanded of every connection on Bun and Node (Deno cannot verify client
certificates and refuses the flag). With --policy and neither, serve does
not start (exit 2) unless --allow-unauthenticated says anyone may call.

POST /verify is off (404) unless --verify-api (IMGVERIFY_VERIFY_API=on):
it answers JSON for {"images": [...], "policy": NAME} about images a loaded
policy verifies (403 for others unless --verify-api-any-image); an inline
verifyImages entry ({"images": [...], "attestors": [...]}) is refused (403)
unless --verify-api-inline-policy.

Without --policy a demo starts: a
demo ClusterPolicy over an in-process registry (demo.imgverify.local) with a
signed and an unsigned image, a bearer token made at startup, and curl lines
posting examples/*.json with it. GET /healthz, GET /readyz (503 until the
digest core is loaded) and GET /metrics (Prometheus text format, counters
only) are always there, without authentication.

ConfigMaps that rule context entries name come from the manifests beside
the policies (--config-maps files, the default), or with --config-maps kube
from the Kubernetes API with the pod's service account (its token and CA
under /var/run/secrets/kubernetes.io/serviceaccount, the API at
KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT). The account then needs
RBAC "get" on "configmaps" in each namespace the policies read; a refusal
fails the rule with KUBE_FORBIDDEN naming that namespace, a ConfigMap that
does not exist fails it as a missing one does. Each ConfigMap read is reused
for --config-map-ttl (default 30s).

Secrets that attestors' keys.secret names come from the Secret manifests
beside the policies (--secrets files, the default), or with --secrets kube
from the Kubernetes API the same way: the account then needs "get" on
"secrets" in each namespace named, and pull secrets named without a
namespace are read in the account's own. Each Secret read is reused for
--secret-ttl (default 30s).

Verified results (with the attestation payloads their conditions need) are
reused across admissions for --cache-ttl, at most --cache-entries of them;
failures never are. Tags are resolved on every admission unless --tag-ttl
lets a tag's digest be reused that long.

Policies are loaded before listening: a refused policy stops the server from
starting, with every issue listed (exit 2). Registries are reached with the
global --insecure-registry, --registry-config and --timeout flags; keyless
and bundle checks trust --trusted-root (default: the production Sigstore root).

Plain HTTP unless a certificate and key are given. The TLS files are read
again every second: a renewed certificate (a rewritten Secret) is served to
new connections while open ones finish; a pair that cannot be read or whose
key does not match keeps the last good one (on Deno this needs
--unstable-net, as npm run start:deno gives). Prints where it listens and a
curl line to try it; logs JSON lines on stderr; on SIGINT or SIGTERM stops
accepting and lets requests in flight finish (--shutdown-grace).

Every flag, global ones too, can come from the environment instead, as a
container is configured: the variable in [brackets] after it; flags win.
Booleans take on/off, true/false or 1/0; IMGVERIFY_POLICIES and
IMGVERIFY_INSECURE_REGISTRIES are comma lists. Any other IMGVERIFY_* name
stops serve from starting (exit 2), naming it.`,
  environment: { alsoRead: ["IMGVERIFY_AUTH_TOKEN"] },
  flags: {
    ...objectSourceFlags(CONFIG_MAP_SOURCE),
    ...objectSourceFlags(SECRET_SOURCE),
    ...cacheFlags,
    ...sharedCacheFlags,
    ...authFlags,
    policy: {
      type: "string",
      multiple: true,
      value: "FILE|DIR",
      env: "IMGVERIFY_POLICIES",
      description: "Kyverno verifyImages policies to enforce (and their ConfigMaps). Repeatable.",
    },
    "trusted-root": {
      type: "string",
      value: "FILE",
      description: "A Sigstore trusted_root.json (default: the production root built in).",
    },
    host: {
      type: "string",
      value: "HOST",
      description: `Address to listen on (default ${DEFAULT_HOST}).`,
    },
    port: {
      type: "string",
      value: "PORT",
      description: "Port to listen on; 0 picks a free one (default 8443).",
    },
    ...tlsFlags,
    "shutdown-grace": {
      type: "string",
      value: "DURATION",
      description:
        "How long requests in flight may finish after SIGINT/SIGTERM before their connections are dropped (default 10s).",
    },
    "log-level": {
      type: "string",
      value: "LEVEL",
      description: "debug, info, warn or error (default info).",
    },
  },
  async run({ io, flags, positionals, global }) {
    if (positionals.length > 0) throw usageError("serve takes no arguments", "serve");
    const host = flags.host ?? DEFAULT_HOST;
    const port = parsePort(flags.port ?? DEFAULT_PORT, "--port ($IMGVERIFY_PORT)");
    const logger = jsonLineLogger(
      io.stderr,
      systemClock,
      parseLogLevel(flags["log-level"], "--log-level"),
    );
    const graceMs =
      flags["shutdown-grace"] === undefined
        ? DEFAULT_SHUTDOWN_GRACE_MS
        : parseDuration(flags["shutdown-grace"], "--shutdown-grace", "serve");
    const files = tlsFiles(io, flags);
    const tls = await files?.read();
    const sourceChoices = {
      configMaps: parseObjectSourceChoice(CONFIG_MAP_SOURCE, flags),
      secrets: parseObjectSourceChoice(SECRET_SOURCE, flags),
    };
    const ownCache = parseCacheChoice(flags);
    const sharedCache = await openSharedCache(io, flags, logger);
    const cacheChoice = { ...ownCache, ...(sharedCache && { shared: sharedCache.store }) };
    // Closed however serve ends, so a refused policy cannot leave the process waiting on Redis.
    try {
      const sha256 = io.loadSha256(undefined, logger);
      const fetch = io.fetch({ timeoutMs: global.timeoutMs });
      const demo = flags.policy.length === 0;
      // The demo's policy reads nothing from a cluster.
      const kubeFlag =
        (sourceChoices.configMaps.source === "kube" && "--config-maps") ||
        (sourceChoices.secrets.source === "kube" && "--secrets");
      if (demo && kubeFlag) throw usageError(`${kubeFlag} kube needs --policy`, "serve");
      const verifyApi = chooseVerifyApi(flags);
      const { auth, curlHeader } = await chooseCallerAuth(io, flags, {
        demo,
        clientCertificates: tls?.clientCa !== undefined,
        clock: systemClock,
        logger,
        sha256: await sha256,
      });
      const engine = demo
        ? await demoEngine(fetch, logger, sha256, cacheChoice)
        : await loadEngine(
            io,
            flags.policy,
            flags["trusted-root"],
            sourceChoices,
            cacheChoice,
            global,
            logger,
            sha256,
          );
      const stopSignal = io.shutdownSignal();

      // Loaded here, not at the top, so other commands start without the HTTP stack.
      const { createApp } = await import("../../http/app.ts");
      const app = createApp({
        fetch,
        clock: systemClock,
        logger,
        sha256,
        engine,
        auth,
        ...(verifyApi && { verifyApi }),
        // Served only through io.listen, a runtime's HTTP server.
        framedBodies: true,
      });
      const listener = await listen(io, app.fetch, { host, port, ...(tls && { tls }) });

      const url = `${tls ? "https" : "http"}://${connectHost(host)}:${listener.port}`;
      const cacert = flags["tls-cert"];
      const curlBase = `curl ${cacert ? `--cacert ${shellWord(cacert)} ` : ""}`;
      const curl = `${curlBase}${url}/healthz`;
      const demoCurls = demo ? demoCommands(curlBase, url, curlHeader) : undefined;
      if (global.json)
        writeJson(io, {
          url,
          healthz: `${url}/healthz`,
          curl,
          ...(demoCurls && { demo: demoCurls }),
        });
      else {
        io.stdout(`imgverify ${VERSION} listening on ${url}\nTry: ${curl}\n`);
        if (demoCurls) io.stdout(demoText(demoCurls));
      }
      logger.info("listening", { url });
      const stopWatchingTls = files && tls && watchServedTls(files, tls, listener, logger);

      logger.info("shutting down", { signal: await stopSignal });
      stopWatchingTls?.();
      if (!(await closeWithin(listener, graceMs))) {
        logger.warn("dropped connections still open after the grace period", { graceMs });
      }
      return EXIT_OK;
    } finally {
      sharedCache?.close();
    }
  },
});
