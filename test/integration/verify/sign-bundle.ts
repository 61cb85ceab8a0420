/**
 * Sigstore bundles about an image, made with `@sigstore/sign` and a local
 * key (no Fulcio, no network), witnessed by the local log, and stored the
 * way cosign v3 stores them: an OCI referrer of the image whose one layer is
 * the bundle, listed in the referrers tag-schema index (docker-registry 2.8
 * has no referrers API). `sigstore attach` from @sigstore/cli would push the
 * same, but needs Node 22; the push here is raw.
 */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { bundleToJSON } from "@sigstore/bundle";
import {
  DSSEBundleBuilder,
  MessageSignatureBundleBuilder,
  type Signer,
  type Witness,
} from "@sigstore/sign";
import {
  type Descriptor,
  OCI_MANIFEST,
  pushBlob,
  pushIndex,
  pushManifest,
  referrersTag,
} from "../../support/push.ts";
import type { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { sha256Digest } from "../../support/registry-client.ts";

export const BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
const EMPTY = "application/vnd.oci.empty.v1+json";

export interface BundleKey {
  /** PEM of the public key: what `--key` is given. */
  publicPem: string;
  signer: Signer;
}

/** A P-256 key pair whose signer hands out the public key, as `cosign sign --key` does. */
export function bundleKey(): BundleKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return { publicPem, signer: keySigner(privateKey, publicPem) };
}

function keySigner(privateKey: KeyObject, publicPem: string): Signer {
  return {
    sign: async (data) => ({
      signature: sign("sha256", data, privateKey),
      key: { $case: "publicKey", publicKey: publicPem },
    }),
  };
}

/** A message-signature bundle over the image manifest's bytes: its digest is the image digest. */
export async function signatureBundle(
  key: BundleKey,
  witness: Witness,
  manifest: Uint8Array,
): Promise<object> {
  const builder = new MessageSignatureBundleBuilder({ signer: key.signer, witnesses: [witness] });
  return bundleToJSON(await builder.create({ data: Buffer.from(manifest) })) as object;
}

/** A DSSE bundle of an in-toto statement of `predicateType` about `subjectDigest`. */
export async function attestationBundle(
  key: BundleKey,
  witness: Witness,
  subjectDigest: string,
  predicateType: string,
  predicate: object,
): Promise<object> {
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "image", digest: { sha256: subjectDigest.replace("sha256:", "") } }],
    predicateType,
    predicate,
  };
  const builder = new DSSEBundleBuilder({ signer: key.signer, witnesses: [witness] });
  const artifact = {
    data: Buffer.from(JSON.stringify(statement)),
    type: "application/vnd.in-toto+json",
  };
  return bundleToJSON(await builder.create(artifact)) as object;
}

/** Pushes `bundle` as a referrer of `subject` (by digest) and returns its descriptor. */
export async function pushBundleReferrer(
  client: HarnessClient,
  repository: string,
  subject: Descriptor,
  bundle: object | string,
  annotations?: Record<string, string>,
): Promise<Descriptor> {
  const config = await pushBlob(client, repository, "{}", EMPTY);
  const layer = await pushBlob(
    client,
    repository,
    typeof bundle === "string" ? bundle : JSON.stringify(bundle),
    BUNDLE_TYPE,
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: BUNDLE_TYPE,
    config,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(annotations && { annotations }),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const pushed = await pushManifest(client, repository, sha256Digest(bytes), bytes, OCI_MANIFEST);
  return { ...pushed, artifactType: BUNDLE_TYPE, ...(annotations && { annotations }) };
}

/** Lists `referrers` under the subject's `sha256-<hex>` tag, as writers do without the API. */
export async function publishReferrers(
  client: HarnessClient,
  repository: string,
  subjectDigest: string,
  referrers: Descriptor[],
): Promise<void> {
  await pushIndex(client, repository, referrersTag(subjectDigest), referrers);
}
