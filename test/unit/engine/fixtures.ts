/**
 * Real Sigstore bundles from the corpora, stored as referrers in the
 * in-memory registry of the OCI unit tests, and the check context over it.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type CheckContext,
  type ImageTarget,
  prepareTrustMaterial,
  type TrustMaterial,
  type TrustPolicy,
} from "../../../src/engine/checks/index.ts";
import {
  type Descriptor,
  DOCKER_MANIFEST,
  fallbackTag,
  OCI_INDEX,
  OCI_MANIFEST,
} from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import type { IdentityPolicy } from "../../../src/verify/cosign/index.ts";
import type { FakeRegistry, FakeRegistryOptions } from "../oci/fake-registry.ts";
import { type Harness, HOST, harness } from "../oci/setup.ts";
import {
  CONFORMANCE,
  CONFORMANCE_IDENTITY,
  corpusBytes,
  corpusJson,
  corpusText,
  PRODUCTION_ROOT,
} from "../verify/bundle/corpora.ts";

export { verifierTestsRun } from "../verify/bundle/corpora.ts";

export const BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const EMPTY_TYPE = "application/vnd.oci.empty.v1+json";
export const REPO = "app";
export const repository = { registry: HOST, repository: REPO };

/** The conformance suite's artifact: message-signature bundles sign its bytes. */
export function conformanceArtifactDigest(): string {
  return `sha256:${bytesToHex(sha256(corpusBytes(`${CONFORMANCE}/a.txt`)))}`;
}

export const keylessBundle = (): Uint8Array =>
  corpusBytes(`${CONFORMANCE}/happy-path-v0.3/bundle.sigstore.json`);
export const keyBundle = (): Uint8Array =>
  corpusBytes(`${CONFORMANCE}/managed-key-happy-path/bundle.sigstore.json`);
export const bundleKey = (): string => corpusText(`${CONFORMANCE}/managed-key-happy-path/key.pub`);
/** A valid P-256 key that signed none of the bundles. */
export const otherKey = (): string => corpusText("sigstore-rs/extracted/keyed/cosign.pub");

/** cosign's real DSSE attestation bundle and the image it is about. */
export const COSIGN_ATTESTATION_TYPE = "https://cosign.sigstore.dev/attestation/v1";
export const COSIGN_SUBJECT =
  "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
export const cosignBundle = (): Uint8Array =>
  corpusBytes("cosign/pkg/cosign/testdata/oci-attestation.sigstore.json");
export const cosignTrust = (): TrustMaterial =>
  prepareTrustMaterial(corpusJson("cosign/pkg/cosign/testdata/trusted_root_pgi.json"));
export const COSIGN_IDENTITY = {
  subject: "cody@soyland.com",
  issuer: "https://github.com/login/oauth",
};

let production: TrustMaterial | undefined;
export function productionTrust(): TrustMaterial {
  production ??= prepareTrustMaterial(corpusJson(PRODUCTION_ROOT));
  return production;
}

export function keylessPolicy(
  identity: IdentityPolicy = CONFORMANCE_IDENTITY,
  trust: TrustMaterial = productionTrust(),
): TrustPolicy {
  return {
    signer: { kind: "keyless", identity },
    trust,
    requireTlog: true,
    requireSct: true,
  };
}

export function keyPolicy(keys: string[]): TrustPolicy {
  return {
    signer: { kind: "keys", keys },
    trust: productionTrust(),
    requireTlog: true,
    requireSct: true,
  };
}

export interface Setup extends Harness {
  store: SingleFlight<string, unknown>;
  ctx: CheckContext;
}

export function setup(options: FakeRegistryOptions = {}, ctx: Partial<CheckContext> = {}): Setup {
  const h = harness(options);
  const store = new SingleFlight<string, unknown>();
  return {
    ...h,
    store,
    ctx: { client: h.client.withStore(store), now: () => h.clock.now(), ...ctx },
  };
}

export function targetOf(digest: string): ImageTarget {
  return { name: `${HOST}/${REPO}:v1`, repository, digest };
}

export interface ReferrerOptions {
  /** The manifest's own artifactType; default BUNDLE_TYPE. */
  artifactType?: string | undefined;
  layerType?: string;
  annotations?: Record<string, string>;
  /** The subject digest the manifest names; default `subject`. */
  subjectDigest?: string;
}

/** Pushes a referrer manifest with `content` as its one layer; returns its index entry. */
export function pushReferrer(
  registry: FakeRegistry,
  subject: string,
  content: Uint8Array | string,
  options: ReferrerOptions = {},
): Descriptor {
  const artifactType = "artifactType" in options ? options.artifactType : BUNDLE_TYPE;
  const config = registry.pushBlob(REPO, "{}", EMPTY_TYPE);
  const layer = registry.pushBlob(REPO, content, options.layerType ?? BUNDLE_TYPE);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(artifactType !== undefined && { artifactType }),
    config,
    layers: [layer],
    subject: { mediaType: OCI_MANIFEST, digest: options.subjectDigest ?? subject, size: 264 },
    ...(options.annotations && { annotations: options.annotations }),
  };
  const pushed = registry.pushManifest(REPO, manifest);
  return {
    ...pushed,
    ...(artifactType !== undefined && { artifactType }),
    ...(options.annotations && { annotations: options.annotations }),
  };
}

/** The referrers tag-schema index of `subject`, as writers without the API keep it. */
export function pushFallbackIndex(
  registry: FakeRegistry,
  subject: string,
  entries: Descriptor[],
): void {
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries };
  registry.pushManifest(REPO, index, { tags: [fallbackTag(subject)] });
}

/** The subject image of cosign's bundle, byte for byte (a Docker v2 manifest). */
export function pushCosignSubject(registry: FakeRegistry, tags: string[] = ["v1"]): void {
  const bytes = corpusBytes(
    `cosign/derived/empty-image-layout/blobs/sha256/${COSIGN_SUBJECT.slice(7)}`,
  );
  registry.pushManifest(REPO, bytes, { mediaType: DOCKER_MANIFEST, tags });
}

/** The key ID results carry: hex SHA-256 of the key's DER, computed here independently. */
export function keyIdOf(pem: string): string {
  const base64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return bytesToHex(sha256(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))));
}
