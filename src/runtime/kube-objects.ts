/**
 * Namespaced objects (ConfigMaps, Secrets) read through the Kubernetes API
 * when imgverify runs in a cluster: `GET /api/v1/namespaces/{ns}/{resource}/{name}`
 * with the service account's bearer token, over a fetch that trusts the
 * cluster's CA (see in-cluster.ts). Each call is bounded in time and size;
 * answers are reused for a short TTL and concurrent lookups of one object
 * share one call. An object that does not exist is `undefined`, so the rule
 * fails as it does for one not supplied beside the policies; errors are
 * never cached.
 */
import { readAll } from "../cli/read-all.ts";
import type { Clock, Fetch } from "../deps.ts";
import { isImgverifyError } from "../errors.ts";
import { collectIssues, type IssueSink } from "../policy/kyverno/reader.ts";
import type { NamespacedObject } from "../policy/kyverno/static-objects.ts";
import { TtlCache } from "../store/ttl-cache.ts";
import { kubeError, statusError, unreachableError } from "./kube-api-errors.ts";

/** A kind of core `v1` object and how an API answer becomes one. */
export interface KubeResource<T extends NamespacedObject> {
  /** The plural in the API path and in RBAC rules: "configmaps", "secrets". */
  readonly resource: string;
  /** The `kind` an answer must carry, and the word messages use. */
  readonly kind: string;
  readonly parse: (doc: Record<string, unknown>, sink: IssueSink) => T | undefined;
}

export interface KubeObjectSourceOptions {
  /** `https://host:port` of the API server. */
  apiUrl: string;
  /** A fetch that trusts the API server's certificate. */
  fetch: Fetch;
  /** The bearer token, read again as it rotates. */
  token: () => Promise<string>;
  clock: Clock;
  /** Upper bound for one API call. */
  timeoutMs: number;
  /** How long an object is reused; 0 asks the API every time. */
  ttlMs: number;
}

/**
 * ConfigMaps and Secrets hold at most 1 MiB of data: a Secret's base64 takes
 * 4/3 of that, a ConfigMap's JSON escaping some more, and metadata stays well
 * within this.
 */
export const MAX_OBJECT_RESPONSE_BYTES: number = 4 * 1024 * 1024;
const MAX_CACHED = 1000;
/** All cached answers together: a thousand objects near the 1 MiB limit must not pile up. */
const MAX_CACHED_BYTES = 64 * 1024 * 1024;
/** DNS-1123 subdomain, what object names and namespaces are: any other name cannot exist. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

interface Cached<T> {
  readonly object: T;
  readonly bytes: number;
}

export class KubeObjectSource<T extends NamespacedObject> {
  readonly #resource: KubeResource<T>;
  readonly #options: KubeObjectSourceOptions;
  readonly #cache: TtlCache<string, Cached<T>>;
  readonly #inFlight = new Map<string, Promise<T | undefined>>();

  constructor(resource: KubeResource<T>, options: KubeObjectSourceOptions) {
    this.#resource = resource;
    this.#options = options;
    this.#cache = new TtlCache({
      maxEntries: MAX_CACHED,
      maxWeight: MAX_CACHED_BYTES,
      weigh: (cached) => cached.bytes,
      ttlMs: options.ttlMs,
      clock: options.clock,
    });
  }

  get(namespace: string, name: string): Promise<T | undefined> {
    if (!OBJECT_NAME.test(namespace) || !OBJECT_NAME.test(name)) return Promise.resolve(undefined);
    const key = `${namespace}/${name}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return Promise.resolve(cached.object);
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const load = this.#load(namespace, name).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, load);
    return load;
  }

  async #load(namespace: string, name: string): Promise<T | undefined> {
    const { kind, resource } = this.#resource;
    const what = `${kind} ${namespace}/${name}`;
    const url = `${this.#options.apiUrl}/api/v1/namespaces/${namespace}/${resource}/${name}`;
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
      throw unreachableError(what, url, err, this.#options.timeoutMs);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    const bytes = await readBody(response, what);
    const body = parseJson(bytes, response.status, what);
    if (response.status !== 200)
      throw statusError(response.status, body, what, resource, namespace);
    const object = objectOf(this.#resource, body, what);
    this.#cache.set(`${namespace}/${name}`, { object, bytes: bytes.byteLength });
    return object;
  }
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

async function readBody(response: Response, what: string): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  try {
    return await readAll(chunksOf(response.body), MAX_OBJECT_RESPONSE_BYTES, "the answer");
  } catch (err) {
    if (isImgverifyError(err, "CLI_FILE_TOO_LARGE")) {
      throw kubeError(
        "KUBE_RESPONSE_TOO_LARGE",
        `reading ${what}: the Kubernetes API answered more than ${MAX_OBJECT_RESPONSE_BYTES} bytes`,
        err,
      );
    }
    throw kubeError(
      "KUBE_UNREACHABLE",
      `reading ${what}: the answer broke off: ${String(err)}`,
      err,
    );
  }
}

/** The JSON of `bytes`; an error answer that is not JSON is `undefined`, its status says enough. */
function parseJson(bytes: Uint8Array, status: number, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    if (status !== 200) return undefined;
    throw kubeError(
      "KUBE_RESPONSE_INVALID",
      `reading ${what}: the Kubernetes API answered something that is not JSON`,
      err,
    );
  }
}

function objectOf<T extends NamespacedObject>(
  { kind, parse }: KubeResource<T>,
  body: unknown,
  what: string,
): T {
  const { issues, sink } = collectIssues();
  const document =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const object = document.kind === kind ? parse(document, sink) : undefined;
  if (object === undefined || issues.length > 0) {
    const why = issues.map((i) => `${i.path}: ${i.message}`).join("; ") || `not a ${kind}`;
    throw kubeError(
      "KUBE_RESPONSE_INVALID",
      `reading ${what}: the Kubernetes API answered a body that is not a usable ${kind}: ${why}`,
    );
  }
  return object;
}
