import { gunzipSync } from "node:zlib";
import { describe, expect, inject, it } from "vitest";
import {
  DOCKER_MANIFEST,
  type ImageManifest,
  isImageIndex,
  type Manifest,
  OCI_INDEX,
  OCI_MANIFEST,
  parseReference,
  selectPlatform,
  withDigest,
} from "../../../src/oci/index.ts";
import type { RegistryMode } from "../../support/context.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { exchanges, failure, imageRef, nodeDigest, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");
const MODES: RegistryMode[] = ["anonymous", "basic", "token"];

function imageManifest(manifest: Manifest): ImageManifest {
  if (isImageIndex(manifest)) throw new Error("expected an image manifest, got an index");
  return manifest;
}

describe.each(MODES)("reading seeded images (%s registry)", (mode) => {
  const registry = registries[mode];
  const seeded = seededImages[mode];
  const harness = new HarnessClient(registry);

  const images = [
    { kind: "OCI manifest", image: seeded.ociImage, mediaType: OCI_MANIFEST },
    { kind: "Docker v2s2 manifest", image: seeded.dockerImage, mediaType: DOCKER_MANIFEST },
    { kind: "OCI index", image: seeded.index, mediaType: OCI_INDEX },
  ];

  it.each(images)("resolves the $kind tag with a HEAD only", async ({ image, mediaType }) => {
    const { client, events } = recordingClient(registry);
    const expected = await harness.getManifest(image.repository, image.tag);
    const descriptor = await client.resolve(parseReference(image.reference));
    expect(descriptor).toEqual({ mediaType, digest: image.digest, size: expected.size });
    const head = `HEAD /v2/${image.repository}/manifests/${image.tag}`;
    const realm = registry.token && new URL(registry.token.realm).pathname;
    const byMode: Record<RegistryMode, string[]> = {
      anonymous: [`${head} 200`],
      basic: [`${head} 401`, `${head} 200`],
      token: [`${head} 401`, `GET ${realm} 200`, `${head} 200`],
    };
    expect(exchanges(events)).toEqual(byMode[mode]);
    expect(client.stats.requests).toBe(events.length);
  });

  it.each(images)(
    "fetches the $kind by tag and by digest, verified",
    async ({ image, mediaType }) => {
      const { client } = recordingClient(registry);
      const expected = await harness.getManifest(image.repository, image.tag);
      const byTag = await client.getManifest(parseReference(image.reference));
      expect(byTag.descriptor).toEqual({ mediaType, digest: image.digest, size: expected.size });
      expect(nodeDigest(byTag.bytes)).toBe(image.digest);
      expect(byTag.bytes).toEqual(expected.bytes);
      expect(byTag.manifest).toEqual(expected.json);
      const pinned = imageRef(registry, image.repository, image.digest);
      const byDigest = await client.getManifest(pinned);
      expect(byDigest.descriptor).toEqual(byTag.descriptor);
      expect(await client.resolve(pinned)).toEqual(byTag.descriptor);
      expect(byDigest.bytes).toEqual(expected.bytes);
    },
  );

  it.each(["linux/amd64", "linux/arm64"])(
    "selects %s from the index and reads that image's config",
    async (platform) => {
      const { client } = recordingClient(registry);
      const { index } = seeded;
      const indexRef = parseReference(index.reference);
      const fetched = await client.getManifest(indexRef);
      if (!isImageIndex(fetched.manifest)) throw new Error("the seeded index is not an index");
      const chosen = selectPlatform(fetched.manifest, platform, index.reference);
      const [os, architecture] = platform.split("/");
      const seededEntry = index.manifests.find((m) => m.platform.architecture === architecture);
      expect(chosen.digest).toBe(seededEntry?.digest);
      const child = await client.getManifest(withDigest(indexRef, chosen.digest));
      expect(child.descriptor).toEqual({
        mediaType: chosen.mediaType,
        digest: chosen.digest,
        size: chosen.size,
      });
      const { config } = imageManifest(child.manifest);
      const configBytes = await client.getBlob(indexRef, config);
      const parsed = JSON.parse(new TextDecoder().decode(configBytes)) as Record<string, unknown>;
      expect({ os: parsed.os, architecture: parsed.architecture }).toEqual({ os, architecture });
    },
  );

  it("names what the index has when the platform is missing", async () => {
    const { client } = recordingClient(registry);
    const fetched = await client.getManifest(parseReference(seeded.index.reference));
    if (!isImageIndex(fetched.manifest)) throw new Error("the seeded index is not an index");
    const index = fetched.manifest;
    const err = await failure(Promise.resolve().then(() => selectPlatform(index, "linux/s390x")));
    expect(err.code).toBe("PLATFORM_NOT_FOUND");
    expect(err.message).toContain("linux/amd64, linux/arm64");
  });

  it("reads the config and layer blobs, digest-checked", async () => {
    const { client } = recordingClient(registry);
    const ref = parseReference(seeded.ociImage.reference);
    const { config, layers } = imageManifest((await client.getManifest(ref)).manifest);
    const configBytes = await client.getBlob(ref, config);
    expect(configBytes.byteLength).toBe(config.size);
    expect(nodeDigest(configBytes)).toBe(config.digest);
    expect(JSON.parse(new TextDecoder().decode(configBytes))).toMatchObject(
      seeded.ociImage.platform,
    );
    expect(layers).toHaveLength(1);
    const [layer] = layers;
    if (!layer) throw new Error("no layer");
    const layerBytes = await client.getBlob(ref, layer);
    expect(layerBytes.byteLength).toBe(layer.size);
    expect(nodeDigest(layerBytes)).toBe(layer.digest);
    // The layer is the tar the harness built with umoci: it holds the image's one file.
    expect(gunzipSync(layerBytes).toString("latin1")).toContain("imgverify/content.txt");
  });

  it("refuses a blob larger than maxBytes before asking for it", async () => {
    const { client, events } = recordingClient(registry);
    const ref = parseReference(seeded.ociImage.reference);
    const { layers } = imageManifest((await client.getManifest(ref)).manifest);
    const [layer] = layers;
    if (!layer) throw new Error("no layer");
    const before = events.length;
    const err = await failure(client.getBlob(ref, layer, { maxBytes: layer.size - 1 }));
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toContain(`${layer.size} bytes`);
    expect(events.length).toBe(before);
  });

  it("SIZE_MISMATCH when the registry announces another size than the descriptor's", async () => {
    const { client } = recordingClient(registry);
    const ref = parseReference(seeded.ociImage.reference);
    const { config } = imageManifest((await client.getManifest(ref)).manifest);
    const err = await failure(client.getBlob(ref, { ...config, size: config.size + 1 }));
    expect(err.code).toBe("SIZE_MISMATCH");
    expect(err.message).toContain(
      `${config.size} bytes announced, the descriptor says ${config.size + 1}`,
    );
  });

  it("refuses a blob whose response is larger than maxBytes (descriptor understating it)", async () => {
    const { client, events } = recordingClient(registry);
    const ref = parseReference(seeded.ociImage.reference);
    const { layers } = imageManifest((await client.getManifest(ref)).manifest);
    const [layer] = layers;
    if (!layer || layer.size < 64) throw new Error("expected a layer of at least 64 bytes");
    const understated = { ...layer, size: 16 };
    const err = await failure(client.getBlob(ref, understated, { maxBytes: 32 }));
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toContain(`${layer.size} bytes announced`);
    expect(exchanges(events).at(-1)).toBe(`GET /v2/${ref.repository}/blobs/${layer.digest} 200`);
  });
});
