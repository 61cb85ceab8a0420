/**
 * What the engine's integration tests share: a docker-registry 2.8 behind
 * the request-counting proxy (the engine only ever talks to the proxy),
 * images pushed with umoci and skopeo and signed in-process the way
 * `cosign sign --key` stores it, policies written as the YAML users write,
 * AdmissionReview requests for Pods and Deployments, and one admission
 * evaluated with the requests it cost counted at the proxy.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { expect } from "vitest";
import { type AdmissionRequest, decodeAdmissionReview } from "../../../src/admission/index.ts";
import { systemClock } from "../../../src/deps.ts";
import type { TrustMaterial } from "../../../src/engine/checks/index.ts";
import {
  type AdmissionEvaluation,
  type EngineOptions,
  evaluateAdmission,
  VerificationCache,
} from "../../../src/engine/index.ts";
import type { RegistryClient } from "../../../src/oci/index.ts";
import type { VerifyImagesPolicy } from "../../../src/policy/index.ts";
import type { PushedImage, RegistryInfo } from "../../support/context.ts";
import { attestationLayer, type SignBytes, signatureLayer } from "../../support/cosign-layers.ts";
import { pushImage } from "../../support/images.ts";
import { type Proxy, type RequestStats, startProxy } from "../../support/proxy.ts";
import { requestStats } from "../../support/proxy-log.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { recordingClient } from "../oci/setup.ts";
import { productionTrust, pushCosignManifest } from "../verify/support.ts";

export interface ProxiedRegistry {
  /** The real registry: images are pushed and signed here. */
  registry: RegistryInfo;
  proxy: Proxy;
  /** The registry as the engine sees it, through the proxy. */
  proxied: RegistryInfo;
  /** One client for every admission, as the webhook keeps one (tokens shared, no store). */
  client: RegistryClient;
  /** `registry`'s `.sig`/`.att` manifests and bundles are pushed through this. */
  harness: HarnessClient;
  close(): Promise<void>;
}

export async function proxiedRegistry(registry: RegistryInfo): Promise<ProxiedRegistry> {
  const proxy = await startProxy({ target: registry.url, latencyMs: 0 });
  const proxied = { ...registry, host: proxy.host, url: proxy.url };
  return {
    registry,
    proxy,
    proxied,
    client: recordingClient(proxied).client,
    harness: new HarnessClient(registry),
    close: () => proxy.close(),
  };
}

/** `reference` (a registry reference) as the proxy names it. */
export function viaProxy(setup: ProxiedRegistry, reference: string): string {
  const { host } = setup.registry;
  if (!reference.startsWith(`${host}/`)) throw new Error(`${reference} is not on ${host}`);
  return `${setup.proxy.host}${reference.slice(host.length)}`;
}

export interface Signer {
  publicPem: string;
  sign: SignBytes;
}

/** A fresh ECDSA P-256 key, signing as cosign does (ECDSA over SHA-256, DER). */
export function newSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sign: async (data) => sign("sha256", Buffer.from(data), privateKey),
  };
}

/** An unsigned image `repository:v1` on the registry, with its proxy reference. */
export async function pushUnsigned(
  setup: ProxiedRegistry,
  repository: string,
): Promise<ProxiedImage> {
  const image = await pushImage(setup.registry, repository, "v1");
  return { ...image, proxied: viaProxy(setup, image.reference) };
}

export type ProxiedImage = PushedImage & { proxied: string };

/** Unsigned images `prefix/NAME:v1`, pushed at once, by name. */
export async function pushUnsignedImages<Name extends string>(
  setup: ProxiedRegistry,
  prefix: string,
  names: readonly Name[],
): Promise<Record<Name, ProxiedImage>> {
  const images = await Promise.all(names.map((name) => pushUnsigned(setup, `${prefix}/${name}`)));
  return Object.fromEntries(names.map((name, i) => [name, images[i]])) as Record<
    Name,
    ProxiedImage
  >;
}

/** `text` matched literally inside a RegExp. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The image's `.sig` manifest: one simple-signing layer per signer. */
export async function signImage(
  setup: ProxiedRegistry,
  image: Pick<PushedImage, "repository" | "digest">,
  signers: readonly Signer[],
): Promise<void> {
  const identity = `${setup.registry.host}/${image.repository}`;
  const layers = await Promise.all(
    signers.map((s) => signatureLayer(s.sign, identity, image.digest)),
  );
  await pushCosignManifest(setup.harness, image.repository, image.digest, "sig", layers);
}

/** The image's `.att` manifest: one DSSE attestation per (signer, predicate type). */
export async function attestImage(
  setup: ProxiedRegistry,
  image: Pick<PushedImage, "repository" | "digest">,
  signer: Signer,
  predicates: Readonly<Record<string, object>>,
): Promise<void> {
  const layers = await Promise.all(
    Object.entries(predicates).map(([type, predicate]) =>
      attestationLayer(signer.sign, image.digest, type, predicate),
    ),
  );
  await pushCosignManifest(setup.harness, image.repository, image.digest, "att", layers);
}

export interface PodSpec {
  containers: { name: string; image: string }[];
  initContainers?: { name: string; image: string }[];
}

/** The decoded AdmissionReview of a CREATE of Pod or Deployment `shop/web` with `spec`. */
export function review(kind: "Pod" | "Deployment", spec: PodSpec): AdmissionRequest {
  const group = kind === "Pod" ? "" : "apps";
  const metadata = { name: "web", namespace: "shop" };
  const object =
    kind === "Pod"
      ? { apiVersion: "v1", kind, metadata, spec }
      : {
          apiVersion: "apps/v1",
          kind,
          metadata,
          spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec } },
        };
  return decodeAdmissionReview({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "0f6b4d63-2b7e-4c1e-9a55-6d2f6f3b9a10",
      kind: { group, version: "v1", kind },
      resource: { group, version: "v1", resource: `${kind.toLowerCase()}s` },
      name: "web",
      namespace: "shop",
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["system:authenticated"] },
      object,
    },
  });
}

/** A Pod `shop/web` with one container per image. */
export const pod = (...images: string[]): AdmissionRequest =>
  review("Pod", { containers: images.map((image, i) => ({ name: `c${i}`, image })) });

export interface Admitted {
  evaluation: AdmissionEvaluation;
  /** What reached the registry, counted at the proxy. */
  stats: RequestStats;
  /** The exchanges the registry answered with 401 (token auth's challenges), counted apart. */
  challenges: RequestStats;
  /** The other exchanges. */
  answered: RequestStats;
  /** The longest chain of requests each waiting for the one before (see proxy-log.ts). */
  roundTrips: number;
  elapsedMs: number;
}

export interface AdmitOptions extends EngineOptions {
  cache?: VerificationCache;
  trust?: TrustMaterial;
}

const defaultTrust = productionTrust();

/** One admission through the proxy, its requests counted from a fresh log. */
export async function admit(
  setup: ProxiedRegistry,
  request: AdmissionRequest,
  policies: readonly VerifyImagesPolicy[],
  options: AdmitOptions = {},
): Promise<Admitted> {
  const { cache, trust = defaultTrust, ...engine } = options;
  await setup.proxy.settled();
  setup.proxy.reset();
  const start = performance.now();
  const evaluation = await evaluateAdmission(request, {
    policies,
    client: setup.client,
    trust,
    clock: systemClock,
    cache: cache ?? new VerificationCache({ clock: systemClock }),
    options: engine,
  });
  const elapsedMs = performance.now() - start;
  await setup.proxy.settled();
  const { log } = setup.proxy;
  return {
    evaluation,
    stats: setup.proxy.stats(),
    challenges: requestStats(log.filter((r) => r.status === 401)),
    answered: requestStats(log.filter((r) => r.status !== 401)),
    roundTrips: setup.proxy.criticalPathRtts(),
    elapsedMs,
  };
}

/** The evaluation without its timing: what parallel and sequential modes must agree on. */
export function verdictOf(evaluation: AdmissionEvaluation): Omit<AdmissionEvaluation, "timing"> {
  const { timing: _timing, ...verdict } = evaluation;
  return verdict;
}

/**
 * Zero duplicates at the proxy. Under token auth a request the client had no
 * token for yet is answered 401 and sent again with one: that challenge
 * round trip is allowed once per request, never a second time.
 */
export function expectEachRequestOnce(admitted: Admitted): void {
  const { stats, answered, challenges } = admitted;
  expect(answered.duplicates).toEqual([]);
  expect(challenges.duplicates).toEqual([]);
  expect(answered.requests).toBe(answered.distinct);
  if (challenges.requests === 0) expect(stats.requests).toBe(stats.distinct);
}

/** Parallel (store) mode with zero duplicate requests at the proxy, then sequential mode with the same verdict. */
export async function admitBothWays(
  setup: ProxiedRegistry,
  request: AdmissionRequest,
  policies: readonly VerifyImagesPolicy[],
  options: AdmitOptions = {},
): Promise<{ parallel: Admitted; sequential: Admitted }> {
  const parallel = await admit(setup, request, policies, options);
  expectEachRequestOnce(parallel);
  const sequential = await admit(setup, request, policies, { ...options, sequential: true });
  expect(verdictOf(sequential.evaluation)).toEqual(verdictOf(parallel.evaluation));
  return { parallel, sequential };
}
