/**
 * The Worker's settings from its bindings (`[vars]` and secrets), under the
 * same `IMGVERIFY_*` names and rules as `serve`: the same parsers, the same
 * refusal of unknown names. What a Worker cannot have is not read: no host,
 * port or TLS (Cloudflare terminates TLS), no files (policies and the trusted
 * root are bundled by `scripts/worker.ts`), and the Docker config arrives as
 * text in the `IMGVERIFY_REGISTRY_CONFIG_JSON` secret instead of a path.
 */
import type { StringFlag } from "../../cli/flags/args.ts";
import { parseDuration } from "../../cli/flags/duration.ts";
import { withEnvironment } from "../../cli/flags/environment.ts";
import { globalFlags } from "../../cli/flags/global-flags.ts";
import { type LogLevel, parseLogLevel } from "../../cli/logger.ts";
import {
  authFlags,
  type CallerAuthChoice,
  chooseCallerAuth,
  chooseVerifyApi,
} from "../../cli/serve/auth.ts";
import { type CacheChoice, cacheFlags, parseCacheChoice } from "../../cli/serve/cache.ts";
import type { Clock, Logger } from "../../deps.ts";
import type { VerifyApiSettings } from "../../http/verify-request.ts";

/** Secrets the Worker reads beside its flags' variables. */
export const WORKER_SECRETS = {
  token: "IMGVERIFY_AUTH_TOKEN",
  registryConfig: "IMGVERIFY_REGISTRY_CONFIG_JSON",
} as const;

const { "auth-token-file": _file, ...workerAuthFlags } = authFlags;
const logLevel: StringFlag = {
  type: "string",
  value: "LEVEL",
  description: "debug, info, warn or error.",
};

const workerFlags = {
  "insecure-registry": globalFlags["insecure-registry"],
  timeout: globalFlags.timeout,
  ...cacheFlags,
  ...workerAuthFlags,
  "log-level": logLevel,
};

export interface WorkerSettings {
  insecureRegistries: string[];
  timeoutMs: number;
  cache: CacheChoice;
  auth: CallerAuthChoice["auth"];
  verifyApi: VerifyApiSettings | undefined;
  /** The Docker config.json text, when the secret is set. */
  registryConfigJson: string | undefined;
  logLevel: LogLevel;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Only string bindings count: KV namespaces and other objects are not settings. */
function stringBindings(bindings: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(bindings).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

/** Settings from `bindings`; a usage error names the binding that is wrong or unknown. */
export async function workerSettings(
  bindings: Readonly<Record<string, unknown>>,
  clock: Clock,
  logger: Logger,
): Promise<WorkerSettings> {
  const vars = stringBindings(bindings);
  const source = {
    env: (name: string) => vars[name],
    envNames: (prefix: string) => Object.keys(vars).filter((name) => name.startsWith(prefix)),
    readChunks: (): never => {
      throw new Error("a Worker reads no token file");
    },
  };
  const defaults = {
    "insecure-registry": [],
    timeout: undefined,
    "cache-ttl": undefined,
    "cache-entries": undefined,
    "tag-ttl": undefined,
    "allow-unauthenticated": false,
    "verify-api": false,
    "verify-api-any-image": false,
    "verify-api-inline-policy": false,
    "log-level": undefined,
  };
  // Errors point at serve --help, which documents the same variables.
  const flags = withEnvironment(
    defaults,
    workerFlags,
    source,
    "serve",
    Object.values(WORKER_SECRETS),
    "the Worker",
  );
  const authValues = { ...flags, "auth-token-file": undefined };
  const { auth } = await chooseCallerAuth(source, authValues, {
    demo: false,
    clientCertificates: false,
    clock,
    logger,
  });
  const registryConfig = vars[WORKER_SECRETS.registryConfig];
  return {
    insecureRegistries: flags["insecure-registry"],
    timeoutMs:
      flags.timeout === undefined
        ? DEFAULT_TIMEOUT_MS
        : parseDuration(flags.timeout, "IMGVERIFY_TIMEOUT", "serve"),
    cache: parseCacheChoice(flags),
    auth,
    verifyApi: chooseVerifyApi(authValues),
    registryConfigJson: registryConfig === "" ? undefined : registryConfig,
    logLevel: parseLogLevel(flags["log-level"], "IMGVERIFY_LOG_LEVEL"),
  };
}
