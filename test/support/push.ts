import type { Platform } from "./context.ts";
import { type RegistryClient, sha256Digest } from "./registry-client.ts";

/**
 * Raw Distribution pushes for artifacts skopeo cannot make: signature-like
 * manifests with arbitrary layers and annotations, indexes under the
 * referrers tag-schema fallback tag, any manifest by tag or digest.
 */

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";

const encoder = new TextEncoder();

function toBytes(content: Uint8Array | string | object): Uint8Array<ArrayBuffer> {
  // A copy of caller bytes: fetch bodies need a plain ArrayBuffer behind them.
  if (content instanceof Uint8Array) return new Uint8Array(content);
  return encoder.encode(typeof content === "string" ? content : JSON.stringify(content));
}

/** The tag the OCI 1.1 referrers tag-schema fallback uses for `subjectDigest`. */
export function referrersTag(subjectDigest: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(subjectDigest);
  if (!match) throw new Error(`not a sha256 digest: ${subjectDigest}`);
  return `sha256-${match[1]}`;
}

function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status !== status) throw new Error(`${what} -> ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

/** Monolithic upload: POST to open the session, PUT the whole blob with its digest. */
export async function pushBlob(
  client: RegistryClient,
  repository: string,
  content: Uint8Array | string | object,
  mediaType = "application/octet-stream",
): Promise<Descriptor> {
  const bytes = toBytes(content);
  const digest = sha256Digest(bytes);
  const scope = pushScope(repository);
  const where = `${client.registry.host}/${repository}@${digest}`;
  const started = await client.fetch(`/v2/${repository}/blobs/uploads/`, { method: "POST" }, scope);
  const location = started.headers.get("location");
  await expectStatus(started, 202, `start blob upload ${where}`);
  if (location === null) throw new Error(`start blob upload ${where}: no Location`);
  const target = new URL(location, client.registry.url);
  target.searchParams.set("digest", digest);
  const finished = await client.fetch(
    target.pathname + target.search,
    {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    },
    scope,
  );
  await expectStatus(finished, 201, `finish blob upload ${where}`);
  return { mediaType, digest, size: bytes.byteLength };
}

/** PUTs a manifest by tag or digest; the digest is computed here and checked against the registry's. */
export async function pushManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  manifest: Uint8Array | object,
  mediaType: string,
): Promise<Descriptor> {
  const bytes = toBytes(manifest);
  const digest = sha256Digest(bytes);
  const where = `${client.registry.host}/${repository}:${reference}`;
  const res = await client.fetch(
    `/v2/${repository}/manifests/${reference}`,
    { method: "PUT", headers: { "content-type": mediaType }, body: bytes },
    pushScope(repository),
  );
  const reported = res.headers.get("docker-content-digest");
  await expectStatus(res, 201, `push manifest ${where}`);
  if (reported !== digest)
    throw new Error(`push manifest ${where}: registry says ${reported}, not ${digest}`);
  return { mediaType, digest, size: bytes.byteLength };
}

export interface ArtifactOptions {
  artifactType?: string;
  /** Config blob; defaults to the OCI empty descriptor's `{}`. */
  config?: { content: Uint8Array | string | object; mediaType: string };
  layers: {
    content: Uint8Array | string | object;
    mediaType: string;
    annotations?: Record<string, string>;
  }[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

/** Pushes config and layer blobs, then an OCI image manifest made of them. */
export async function pushArtifact(
  client: RegistryClient,
  repository: string,
  reference: string,
  options: ArtifactOptions,
): Promise<Descriptor> {
  const config = options.config ?? { content: "{}", mediaType: OCI_EMPTY_CONFIG };
  const configDescriptor = await pushBlob(client, repository, config.content, config.mediaType);
  const layers: Descriptor[] = [];
  for (const layer of options.layers) {
    const pushed = await pushBlob(client, repository, layer.content, layer.mediaType);
    layers.push(layer.annotations ? { ...pushed, annotations: layer.annotations } : pushed);
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: configDescriptor,
    layers,
    ...(options.subject ? { subject: options.subject } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const pushed = await pushManifest(client, repository, reference, manifest, OCI_MANIFEST);
  return options.artifactType ? { ...pushed, artifactType: options.artifactType } : pushed;
}

/** Pushes an OCI image index listing `manifests` (e.g. referrers under `referrersTag()`). */
export async function pushIndex(
  client: RegistryClient,
  repository: string,
  reference: string,
  manifests: readonly Descriptor[],
  annotations?: Record<string, string>,
): Promise<Descriptor> {
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests,
    ...(annotations ? { annotations } : {}),
  };
  return pushManifest(client, repository, reference, index, OCI_INDEX);
}
