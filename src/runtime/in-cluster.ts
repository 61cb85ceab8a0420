/**
 * The pod's view of its cluster: the API server's address from
 * KUBERNETES_SERVICE_HOST and _PORT, and the service account Kubernetes
 * mounts in every pod (token, CA certificate, namespace). From them,
 * ConfigMap and Secret sources over the API whose fetch trusts that CA,
 * built the way each runtime takes a CA: Bun's `fetch(url, {tls: {ca}})`,
 * Deno's `createHttpClient({caCerts})`, and on Node an undici Agent.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { InClusterSecrets, InClusterSourceOptions } from "../cli/io.ts";
import { type Fetch, systemClock } from "../deps.ts";
import type { ConfigMapSource } from "../policy/kyverno/configmaps.ts";
import type { NamespacedObject } from "../policy/kyverno/static-objects.ts";
import { fileErrorReason } from "./docker-config.ts";
import { kubeError } from "./kube-api-errors.ts";
import { CONFIG_MAPS, KubeConfigMapSource } from "./kube-config-maps.ts";
import type { KubeObjectSourceOptions, KubeResource } from "./kube-objects.ts";
import { KubeSecretSource, SECRETS } from "./kube-secrets.ts";
import { nodeFetch } from "./node.ts";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Kubelet rotates projected tokens well before they expire; a minute-old copy is still good. */
const TOKEN_REREAD_MS = 60_000;
/** A token or a CA bundle is a few KiB. */
const MAX_FILE_BYTES = 1024 * 1024;

export interface InClusterOptions extends InClusterSourceOptions {
  env: Record<string, string | undefined>;
  /** Where the service account is mounted (tests point it elsewhere). */
  serviceAccountDir?: string;
}

/** The slices of Bun and Deno used here, present only on those runtimes. */
declare const Bun: unknown;
declare const Deno: { createHttpClient(options: { caCerts: string[] }): unknown } | undefined;

async function readMounted(path: string): Promise<string> {
  try {
    const text = await readFile(path, "utf8");
    if (text.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    return text;
  } catch (err) {
    throw kubeError(
      "KUBE_NOT_IN_CLUSTER",
      `cannot read the service account file "${path}": ${fileErrorReason(err)} (is imgverify running in a pod with automountServiceAccountToken?)`,
      err,
    );
  }
}

/** A fetch that trusts `ca` (PEM) for the API server's certificate, on this runtime. */
function fetchTrusting(ca: string, timeoutMs: number): Fetch {
  if (typeof Bun !== "undefined") {
    return (request) => fetch(request, { tls: { ca } } as RequestInit);
  }
  if (typeof Deno !== "undefined") {
    const client = Deno.createHttpClient({ caCerts: [ca] });
    return (request) => fetch(request, { client } as RequestInit);
  }
  return nodeFetch(timeoutMs, { ca });
}

/**
 * How a source of `kind` objects reaches the API with the service account,
 * and the account's namespace (imgverify's own); logged, so an operator sees
 * which API is asked.
 */
async function inClusterApi<T extends NamespacedObject>(
  options: InClusterOptions,
  { kind }: KubeResource<T>,
): Promise<{ sourceOptions: KubeObjectSourceOptions; namespace: string }> {
  const host = options.env.KUBERNETES_SERVICE_HOST;
  const port = options.env.KUBERNETES_SERVICE_PORT || "443";
  if (!host) {
    throw kubeError(
      "KUBE_NOT_IN_CLUSTER",
      `KUBERNETES_SERVICE_HOST is not set: reading ${kind}s through the Kubernetes API needs imgverify to run in a pod`,
    );
  }
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const tokenPath = join(dir, "token");
  const [ca, namespaceFile] = await Promise.all([
    readMounted(join(dir, "ca.crt")),
    readMounted(join(dir, "namespace")),
    readMounted(tokenPath),
  ]);
  const namespace = namespaceFile.trim();
  let token = { text: "", readAt: Number.NEGATIVE_INFINITY };
  const currentToken = async (): Promise<string> => {
    if (systemClock.now() - token.readAt >= TOKEN_REREAD_MS) {
      token = { text: (await readMounted(tokenPath)).trim(), readAt: systemClock.now() };
    }
    return token.text;
  };
  const apiUrl = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  options.logger.info(`${kind}s are read through the Kubernetes API`, {
    api: apiUrl,
    serviceAccountNamespace: namespace,
    ttlMs: options.ttlMs,
  });
  const sourceOptions = {
    apiUrl,
    fetch: fetchTrusting(ca, options.timeoutMs),
    token: currentToken,
    clock: systemClock,
    timeoutMs: options.timeoutMs,
    ttlMs: options.ttlMs,
  };
  return { sourceOptions, namespace };
}

export async function inClusterConfigMaps(options: InClusterOptions): Promise<ConfigMapSource> {
  const { sourceOptions } = await inClusterApi(options, CONFIG_MAPS);
  return new KubeConfigMapSource(sourceOptions);
}

export async function inClusterSecrets(options: InClusterOptions): Promise<InClusterSecrets> {
  const { sourceOptions, namespace } = await inClusterApi(options, SECRETS);
  return { source: new KubeSecretSource(sourceOptions), namespace };
}
