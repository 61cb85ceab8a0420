/**
 * Where `serve` finds the ConfigMaps that rule `context` entries name: the
 * manifests beside the policies (`--config-maps files`, the default) or the
 * Kubernetes API with the pod's service account (`--config-maps kube`).
 */
import type { Logger } from "../../deps.ts";
import type { ConfigMapSource, StaticConfigMapSource } from "../../policy/index.ts";
import { usageError } from "../errors.ts";
import type { StringFlag } from "../flags/args.ts";
import { parseDuration } from "../flags/duration.ts";
import type { GlobalOptions } from "../flags/global-flags.ts";
import type { CliIo } from "../io.ts";

const SOURCES = ["files", "kube"] as const;
type SourceName = (typeof SOURCES)[number];
/** Short: a ConfigMap edited in the cluster takes effect within this long. */
const DEFAULT_TTL_MS = 30_000;
const MAX_TTL_MS = 60 * 60 * 1000;
/** One Kubernetes API call, at most; the admission's own budget usually ends it sooner. */
const MAX_KUBE_CALL_MS = 10_000;

export interface ConfigMapChoice {
  readonly source: SourceName;
  readonly ttlMs: number;
}

export const configMapFlags: {
  readonly "config-maps": StringFlag;
  readonly "config-map-ttl": StringFlag;
} = {
  "config-maps": {
    type: "string",
    value: "SOURCE",
    description:
      "Where rule context ConfigMaps come from: files (beside the policies, the default) or kube (the Kubernetes API, in a pod).",
  },
  "config-map-ttl": {
    type: "string",
    value: "DURATION",
    description:
      "With --config-maps kube: how long a ConfigMap read is reused, up to 1h (default 30s).",
  },
};

/** The choice the flags make; usage errors name the flag. */
export function parseConfigMapChoice(
  source: string | undefined,
  ttl: string | undefined,
): ConfigMapChoice {
  const found = source === undefined ? "files" : SOURCES.find((name) => name === source);
  if (found === undefined) {
    throw usageError(
      `unknown --config-maps "${source}": choose one of ${SOURCES.join(", ")}`,
      "serve",
    );
  }
  if (ttl !== undefined && found !== "kube") {
    throw usageError("--config-map-ttl only applies to --config-maps kube", "serve");
  }
  const ttlMs =
    ttl === undefined ? DEFAULT_TTL_MS : parseDuration(ttl, "--config-map-ttl", "serve");
  if (ttlMs > MAX_TTL_MS)
    throw usageError(`--config-map-ttl "${ttl}" is over the bound of 1h`, "serve");
  return { source: found, ttlMs };
}

/** The source `choice` names; `beside` holds the ConfigMaps loaded with the policies. */
export async function chooseConfigMaps(
  io: CliIo,
  beside: StaticConfigMapSource,
  choice: ConfigMapChoice,
  global: GlobalOptions,
  logger: Logger,
): Promise<ConfigMapSource> {
  if (choice.source === "files") return beside;
  const unused = beside.list().length;
  if (unused > 0) {
    logger.warn("ConfigMaps beside the policies are not used with --config-maps kube", { unused });
  }
  return io.inClusterConfigMaps({
    timeoutMs: Math.min(global.timeoutMs, MAX_KUBE_CALL_MS),
    ttlMs: choice.ttlMs,
    logger,
  });
}
