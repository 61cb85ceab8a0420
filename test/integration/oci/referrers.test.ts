import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  fallbackTag,
  type ImageManifest,
  parseReference,
  type Repository,
} from "../../../src/oci/index.ts";
import type { RegistryMode } from "../../support/context.ts";
import {
  type Descriptor,
  OCI_MANIFEST,
  pushArtifact,
  pushIndex,
  referrersTag,
} from "../../support/push.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { exchanges, imageRef, recordingClient } from "./setup.ts";

const registries = inject("registries");
const MODES: RegistryMode[] = ["anonymous", "basic", "token"];

const SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";
const IN_TOTO = "application/vnd.in-toto+json";
const IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json";
const IMAGE_LAYER = "application/vnd.oci.image.layer.v1.tar";

/** A small image to sign: an OCI manifest with a config and one layer. */
function pushSubject(harness: HarnessClient, repository: string, tag: string): Promise<Descriptor> {
  return pushArtifact(harness, repository, tag, {
    config: { content: { os: "linux", architecture: "amd64", tag }, mediaType: IMAGE_CONFIG },
    layers: [{ content: `layer of ${repository}:${tag}`, mediaType: IMAGE_LAYER }],
  });
}

describe.each(MODES)("referrers through the tag fallback (%s registry)", (mode) => {
  const registry = registries[mode];
  const harness = new HarnessClient(registry);
  const repository = `oci-it/referrers-${mode}`;
  const repo: Repository = { registry: registry.host, repository };
  const bundleJson = {
    mediaType: SIGSTORE_BUNDLE,
    verificationMaterial: { publicKey: { hint: "oci-it" } },
  };
  let subject: Descriptor;
  let bundle: Descriptor;
  let attestation: Descriptor;
  let lonely: Descriptor;

  beforeAll(async () => {
    subject = await pushSubject(harness, repository, "signed");
    lonely = await pushSubject(harness, repository, "unsigned");
    const { mediaType, digest, size } = subject;
    bundle = await pushArtifact(harness, repository, "bundle", {
      artifactType: SIGSTORE_BUNDLE,
      layers: [{ content: bundleJson, mediaType: SIGSTORE_BUNDLE }],
      subject: { mediaType, digest, size },
    });
    attestation = await pushArtifact(harness, repository, "attestation", {
      artifactType: IN_TOTO,
      layers: [{ content: { _type: "https://in-toto.io/Statement/v1" }, mediaType: IN_TOTO }],
      subject: { mediaType, digest, size },
    });
    await pushIndex(harness, repository, referrersTag(subject.digest), [bundle, attestation]);
  });

  it("the registry has no referrers API, so the client reads the sha256-<hex> tag", async () => {
    const { client, events } = recordingClient(registry);
    const found = await client.getReferrers(repo, subject.digest, {
      artifactType: SIGSTORE_BUNDLE,
    });
    expect(found).toEqual({ source: "tag-fallback", descriptors: [bundle] });
    const tag = fallbackTag(subject.digest);
    expect(tag).toBe(referrersTag(subject.digest));
    const answered = exchanges(events).filter((line) => !line.startsWith("GET /token "));
    expect(answered.filter((line) => line.includes("/referrers/"))).toEqual([
      `GET /v2/${repository}/referrers/${subject.digest} 404`,
    ]);
    expect(answered.at(-1)).toBe(`GET /v2/${repository}/manifests/${tag} 200`);
  });

  it("lists every referrer without a filter, and only matching ones with one", async () => {
    const { client } = recordingClient(registry);
    const all = await client.getReferrers(repo, subject.digest);
    expect(all).toEqual({ source: "tag-fallback", descriptors: [bundle, attestation] });
    const attestations = await client.getReferrers(repo, subject.digest, { artifactType: IN_TOTO });
    expect(attestations.descriptors).toEqual([attestation]);
    const none = await client.getReferrers(repo, subject.digest, {
      artifactType: "application/vnd.example.not-pushed+json",
    });
    expect(none).toEqual({ source: "tag-fallback", descriptors: [] });
  });

  it("finds nothing for an image without referrers, without failing", async () => {
    const { client } = recordingClient(registry);
    const found = await client.getReferrers(repo, lonely.digest, { artifactType: SIGSTORE_BUNDLE });
    expect(found).toEqual({ source: "tag-fallback", descriptors: [] });
  });

  it("the listed bundle leads to its manifest, its subject and its content", async () => {
    const { client } = recordingClient(registry);
    const { descriptors } = await client.getReferrers(repo, subject.digest, {
      artifactType: SIGSTORE_BUNDLE,
    });
    const [listed] = descriptors;
    if (!listed) throw new Error("no bundle listed");
    const fetched = await client.getManifest(imageRef(registry, repository, listed.digest));
    expect(fetched.descriptor).toEqual({
      mediaType: OCI_MANIFEST,
      digest: bundle.digest,
      size: bundle.size,
    });
    const manifest = fetched.manifest as ImageManifest;
    expect(manifest.artifactType).toBe(SIGSTORE_BUNDLE);
    expect(manifest.subject?.digest).toBe(subject.digest);
    const [layer] = manifest.layers;
    if (!layer) throw new Error("the bundle manifest has no layer");
    const content = await client.getBlob(repo, layer);
    expect(JSON.parse(new TextDecoder().decode(content))).toEqual(bundleJson);
    // The subject named by the referrer is the image the tag points at.
    const signed = await client.resolve(parseReference(`${registry.host}/${repository}:signed`));
    expect(signed.digest).toBe(manifest.subject?.digest);
  });
});
