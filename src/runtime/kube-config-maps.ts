/**
 * ConfigMaps read through the Kubernetes API, for rule `context` entries of
 * type configMap when imgverify runs in a cluster: `GET
 * /api/v1/namespaces/{ns}/configmaps/{name}` with the service account's
 * bearer token, over a fetch that trusts the cluster's CA (see
 * in-cluster.ts). Each call is bounded in time and size; answers are reused
 * for a short TTL and concurrent lookups of one ConfigMap share one call. A
 * ConfigMap that does not exist is `undefined`, so the rule fails as it does
 * for one not supplied beside the policies; errors are never cached.
 */
import { readAll } from "../cli/read-all.ts";
import type { Clock, Fetch } from "../deps.ts";
import { ImgverifyError, isImgverifyError } from "../errors.ts";
import {
  type ConfigMap,
  type ConfigMapSource,
  parseConfigMap,
} from "../policy/kyverno/configmaps.ts";
import { collectIssues } from "../policy/kyverno/reader.ts";
import { TtlCache } from "../store/ttl-cache.ts";

/**
 * `KUBE_NOT_IN_CLUSTER`: no service account or API address (not running in a pod).
 * `KUBE_UNAUTHORIZED`: the API refused the token (401).
 * `KUBE_FORBIDDEN`: the service account lacks RBAC to get the ConfigMap (403).
 * `KUBE_API_ERROR`: any other answer that is neither the ConfigMap nor 404.
 * `KUBE_RESPONSE_INVALID`, `KUBE_RESPONSE_TOO_LARGE`: the answer cannot be used.
 * `KUBE_TIMEOUT`, `KUBE_UNREACHABLE`: no answer in time, or no connection (TLS included).
 */
export type KubeErrorCode =
  | "KUBE_NOT_IN_CLUSTER"
  | "KUBE_UNAUTHORIZED"
  | "KUBE_FORBIDDEN"
  | "KUBE_API_ERROR"
  | "KUBE_RESPONSE_INVALID"
  | "KUBE_RESPONSE_TOO_LARGE"
  | "KUBE_TIMEOUT"
  | "KUBE_UNREACHABLE";

export interface KubeConfigMapSourceOptions {
  /** `https://host:port` of the API server. */
  apiUrl: string;
  /** A fetch that trusts the API server's certificate. */
  fetch: Fetch;
  /** The bearer token, read again as it rotates. */
  token: () => Promise<string>;
  clock: Clock;
  /** Upper bound for one API call. */
  timeoutMs: number;
  /** How long a ConfigMap is reused; 0 asks the API every time. */
  ttlMs: number;
}

/** A ConfigMap holds at most 1 MiB of data; JSON escaping and metadata stay well within this. */
export const MAX_CONFIG_MAP_RESPONSE_BYTES: number = 4 * 1024 * 1024;
const MAX_CACHED = 1000;
/** A Kubernetes Status message is a line; longer ones are cut in error messages. */
const MAX_STATUS_MESSAGE = 300;
/** DNS-1123 subdomain, what ConfigMap names and namespaces are: any other name cannot exist. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function kubeError(
  code: KubeErrorCode,
  message: string,
  cause?: unknown,
): ImgverifyError<KubeErrorCode> {
  return new ImgverifyError(code, message, { cause });
}

export class KubeConfigMapSource implements ConfigMapSource {
  readonly #options: KubeConfigMapSourceOptions;
  readonly #cache: TtlCache<string, ConfigMap>;
  readonly #inFlight = new Map<string, Promise<ConfigMap | undefined>>();

  constructor(options: KubeConfigMapSourceOptions) {
    this.#options = options;
    this.#cache = new TtlCache({
      maxEntries: MAX_CACHED,
      ttlMs: options.ttlMs,
      clock: options.clock,
    });
  }

  get(namespace: string, name: string): Promise<ConfigMap | undefined> {
    if (!OBJECT_NAME.test(namespace) || !OBJECT_NAME.test(name)) return Promise.resolve(undefined);
    const key = `${namespace}/${name}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const load = this.#load(namespace, name).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, load);
    return load;
  }

  async #load(namespace: string, name: string): Promise<ConfigMap | undefined> {
    const what = `ConfigMap ${namespace}/${name}`;
    const url = `${this.#options.apiUrl}/api/v1/namespaces/${namespace}/configmaps/${name}`;
    let response: Response;
    try {
      response = await this.#options.fetch(
        new Request(url, {
          headers: {
            authorization: `Bearer ${await this.#options.token()}`,
            accept: "application/json",
          },
          signal: AbortSignal.timeout(this.#options.timeoutMs),
        }),
      );
    } catch (err) {
      throw unreachable(what, url, err, this.#options.timeoutMs);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    const body = await readJson(response, what);
    if (response.status !== 200) throw statusError(response.status, body, what, namespace);
    const configMap = configMapOf(body, what);
    this.#cache.set(`${namespace}/${name}`, configMap);
    return configMap;
  }
}

function unreachable(
  what: string,
  url: string,
  err: unknown,
  timeoutMs: number,
): ImgverifyError<KubeErrorCode> {
  const name = (err as { name?: unknown }).name;
  if (name === "TimeoutError" || name === "AbortError") {
    return kubeError(
      "KUBE_TIMEOUT",
      `reading ${what}: the Kubernetes API did not answer within ${timeoutMs} ms`,
      err,
    );
  }
  const reason = err instanceof Error ? err.message : String(err);
  return kubeError(
    "KUBE_UNREACHABLE",
    `reading ${what}: cannot reach the Kubernetes API at ${url}: ${reason}`,
    err,
  );
}

/** The chunks of `body`; a reader that stops early cancels the rest. */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

async function readJson(response: Response, what: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes =
      response.body === null
        ? new Uint8Array()
        : await readAll(chunksOf(response.body), MAX_CONFIG_MAP_RESPONSE_BYTES, "the answer");
  } catch (err) {
    if (isImgverifyError(err, "CLI_FILE_TOO_LARGE")) {
      throw kubeError(
        "KUBE_RESPONSE_TOO_LARGE",
        `reading ${what}: the Kubernetes API answered more than ${MAX_CONFIG_MAP_RESPONSE_BYTES} bytes`,
        err,
      );
    }
    throw kubeError(
      "KUBE_UNREACHABLE",
      `reading ${what}: the answer broke off: ${String(err)}`,
      err,
    );
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    if (response.status !== 200) return undefined;
    throw kubeError(
      "KUBE_RESPONSE_INVALID",
      `reading ${what}: the Kubernetes API answered something that is not JSON`,
      err,
    );
  }
}

/** The `message` of a Kubernetes Status body, cut to a line. */
function statusMessage(body: unknown): string {
  const message =
    typeof body === "object" && body !== null ? (body as { message?: unknown }).message : undefined;
  if (typeof message !== "string" || message === "") return "";
  const cut =
    message.length > MAX_STATUS_MESSAGE ? `${message.slice(0, MAX_STATUS_MESSAGE)}...` : message;
  return ` (${cut})`;
}

function statusError(
  status: number,
  body: unknown,
  what: string,
  namespace: string,
): ImgverifyError<KubeErrorCode> {
  const detail = statusMessage(body);
  if (status === 401) {
    return kubeError(
      "KUBE_UNAUTHORIZED",
      `reading ${what}: the Kubernetes API refused the service account token (401)${detail}`,
    );
  }
  if (status === 403) {
    return kubeError(
      "KUBE_FORBIDDEN",
      `reading ${what} is forbidden for imgverify's service account: grant it "get" on "configmaps" in namespace "${namespace}" (a Role and RoleBinding there, or a ClusterRole and ClusterRoleBinding)${detail}`,
    );
  }
  return kubeError(
    "KUBE_API_ERROR",
    `reading ${what}: the Kubernetes API answered HTTP ${status}${detail}`,
  );
}

function configMapOf(body: unknown, what: string): ConfigMap {
  const { issues, sink } = collectIssues();
  const document =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const configMap = document.kind === "ConfigMap" ? parseConfigMap(document, sink) : undefined;
  if (configMap === undefined || issues.length > 0) {
    const why = issues.map((i) => `${i.path}: ${i.message}`).join("; ") || "not a ConfigMap";
    throw kubeError(
      "KUBE_RESPONSE_INVALID",
      `reading ${what}: the Kubernetes API answered a body that is not a usable ConfigMap: ${why}`,
    );
  }
  return configMap;
}
