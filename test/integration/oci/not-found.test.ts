import { describe, expect, inject, it } from "vitest";
import type { RegistryMode } from "../../support/context.ts";
import { failure, imageRef, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");
const MODES: RegistryMode[] = ["anonymous", "basic", "token"];
const ABSENT_DIGEST = `sha256:${"0".repeat(64)}`;

describe.each(MODES)("what registry 2.8 reports as missing (%s registry)", (mode) => {
  const registry = registries[mode];
  const { ociImage } = seededImages[mode];

  it("a missing tag: NOT_FOUND / MANIFEST_UNKNOWN, naming the reference", async () => {
    const { client } = recordingClient(registry);
    const ref = imageRef(registry, ociImage.repository, "no-such-tag");
    const err = await failure(client.getManifest(ref));
    expect(err).toMatchObject({ code: "NOT_FOUND", registryCode: "MANIFEST_UNKNOWN", status: 404 });
    expect(err.reference).toBe(`${registry.host}/${ociImage.repository}:no-such-tag`);
    expect(err.message).toContain(`fetching the manifest of ${err.reference}: not found`);
    expect(err.message).toContain("manifest unknown");
  });

  it("a missing tag by HEAD: NOT_FOUND from the status (a HEAD has no error body)", async () => {
    const { client } = recordingClient(registry);
    const err = await failure(
      client.resolve(imageRef(registry, ociImage.repository, "no-such-tag")),
    );
    expect(err).toMatchObject({ code: "NOT_FOUND", status: 404, registryCode: undefined });
  });

  it("a missing repository: 2.8 says MANIFEST_UNKNOWN for its manifests", async () => {
    const { client } = recordingClient(registry);
    const err = await failure(client.getManifest(imageRef(registry, "oci-it/never-pushed", "v1")));
    expect(err).toMatchObject({ code: "NOT_FOUND", registryCode: "MANIFEST_UNKNOWN", status: 404 });
  });

  it("a missing manifest digest: NOT_FOUND / MANIFEST_UNKNOWN", async () => {
    const { client } = recordingClient(registry);
    const err = await failure(
      client.getManifest(imageRef(registry, ociImage.repository, ABSENT_DIGEST)),
    );
    expect(err).toMatchObject({ code: "NOT_FOUND", registryCode: "MANIFEST_UNKNOWN", status: 404 });
  });

  it("a missing blob: NOT_FOUND / BLOB_UNKNOWN", async () => {
    const { client } = recordingClient(registry);
    const repo = { registry: registry.host, repository: ociImage.repository };
    const descriptor = { mediaType: "application/octet-stream", digest: ABSENT_DIGEST, size: 1 };
    const err = await failure(client.getBlob(repo, descriptor));
    expect(err).toMatchObject({ code: "NOT_FOUND", registryCode: "BLOB_UNKNOWN", status: 404 });
    expect(err.message).toContain(
      `fetching blob ${registry.host}/${ociImage.repository}@${ABSENT_DIGEST}`,
    );
  });
});
