import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Descriptor, ImageManifest, ImageReference } from "../../../src/oci/index.ts";
import type { RegistryInfo } from "../../support/context.ts";
import { type Proxy, startProxy, type Tamper } from "./servers.ts";
import { failure, imageRef, nodeDigest, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");

/** Runs `body` while `proxy` applies `rule` to `path`. */
async function withRule<T>(
  proxy: Proxy,
  path: string,
  rule: Tamper,
  body: () => Promise<T>,
): Promise<T> {
  proxy.rules.set(path, rule);
  try {
    return await body();
  } finally {
    proxy.rules.delete(path);
  }
}

describe("content changed on the way (a proxy flips one byte)", () => {
  const registry = registries.basic;
  const image = seededImages.basic.ociImage;
  const manifestPath = (reference: string): string =>
    `/v2/${image.repository}/manifests/${reference}`;
  let proxy: Proxy;
  /** The registry as reached through the proxy. */
  let proxied: RegistryInfo;

  beforeAll(async () => {
    proxy = await startProxy(registry.url);
    proxied = { ...registry, host: proxy.host };
  });
  afterAll(() => proxy.close());

  it("passes content through unchanged when nothing is tampered with", async () => {
    const { client } = recordingClient(proxied);
    const fetched = await client.getManifest(imageRef(proxied, image.repository, image.tag));
    expect(fetched.descriptor.digest).toBe(image.digest);
  });

  it("DIGEST_MISMATCH for a manifest by tag (against Docker-Content-Digest)", async () => {
    const { client } = recordingClient(proxied);
    const ref = imageRef(proxied, image.repository, image.tag);
    const err = await withRule(proxy, manifestPath(image.tag), "flip-byte", () =>
      failure(client.getManifest(ref)),
    );
    expect(err.code).toBe("DIGEST_MISMATCH");
    expect(err.message).toContain("manifest (Docker-Content-Digest): content digest is sha256:");
    expect(err.message).toContain(`expected ${image.digest}`);
  });

  it("DIGEST_MISMATCH for the digest a HEAD resolved, even with a forged Docker-Content-Digest", async () => {
    const { client } = recordingClient(proxied);
    const resolved = await client.resolve(imageRef(proxied, image.repository, image.tag));
    expect(resolved.digest).toBe(image.digest);
    const byDigest = imageRef(proxied, image.repository, resolved.digest);
    for (const rule of ["flip-byte", "flip-byte-and-digest"] as const) {
      const err = await withRule(proxy, manifestPath(resolved.digest), rule, () =>
        failure(client.getManifest(byDigest)),
      );
      expect(err.code).toBe("DIGEST_MISMATCH");
      expect(err.message).toContain("manifest: content digest is sha256:");
      expect(err.message).toContain(`expected ${image.digest}`);
    }
  });

  it("DIGEST_MISMATCH for a blob", async () => {
    const { client } = recordingClient(proxied);
    const ref = imageRef(proxied, image.repository, image.digest);
    const { config } = (await client.getManifest(ref)).manifest as ImageManifest;
    const path = `/v2/${image.repository}/blobs/${config.digest}`;
    const err = await withRule(proxy, path, "flip-byte", () =>
      failure(client.getBlob(ref, config)),
    );
    expect(err.code).toBe("DIGEST_MISMATCH");
    expect(err.message).toContain(`blob ${config.digest}: content digest is sha256:`);
    expect(nodeDigest(await client.getBlob(ref, config))).toBe(config.digest);
  });
});

describe("blobs without Content-Length (chunked), bounded as they stream", () => {
  const registry = registries.anonymous;
  const image = seededImages.anonymous.ociImage;
  let proxy: Proxy;
  let proxied: RegistryInfo;
  let ref: ImageReference;
  let layer: Descriptor;
  let path: string;

  beforeAll(async () => {
    proxy = await startProxy(registry.url);
    proxied = { ...registry, host: proxy.host };
    ref = imageRef(proxied, image.repository, image.digest);
    const { client } = recordingClient(proxied);
    const [first] = ((await client.getManifest(ref)).manifest as ImageManifest).layers;
    if (!first || first.size < 64) throw new Error("expected a layer of at least 64 bytes");
    layer = first;
    path = `/v2/${image.repository}/blobs/${layer.digest}`;
  });
  afterAll(() => proxy.close());

  it("reads and verifies the whole blob", async () => {
    const { client } = recordingClient(proxied);
    const bytes = await withRule(proxy, path, "drop-length", () => client.getBlob(ref, layer));
    expect(nodeDigest(bytes)).toBe(layer.digest);
  });

  it("TOO_LARGE once more than maxBytes arrived (descriptor understating the size)", async () => {
    const { client } = recordingClient(proxied);
    const understated = { ...layer, size: 16 };
    const err = await withRule(proxy, path, "drop-length", () =>
      failure(client.getBlob(ref, understated, { maxBytes: 32 })),
    );
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toContain("more than the limit of 32 bytes");
  });

  it("SIZE_MISMATCH when the stream ends short of the descriptor's size", async () => {
    const { client } = recordingClient(proxied);
    const overstated = { ...layer, size: layer.size + 1 };
    const err = await withRule(proxy, path, "drop-length", () =>
      failure(client.getBlob(ref, overstated)),
    );
    expect(err.code).toBe("SIZE_MISMATCH");
    expect(err.message).toContain(`${layer.size} bytes, the descriptor says ${layer.size + 1}`);
  });
});
