import { describe, expect, it } from "vitest";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import type { Sha256 } from "../../../src/digest/types.ts";
import { ImgverifyError } from "../../../src/errors.ts";
import { OCI_MANIFEST, parseReference } from "../../../src/oci/index.ts";
import { digestOf, encoder } from "./fake-registry.ts";
import { failure, HOST, harness, ORIGIN, pushImage } from "./setup.ts";

const manifest = encoder.encode(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${"1".repeat(64)}`,
      size: 2,
    },
    layers: [],
  }),
);
const DIGEST = digestOf(manifest);

/** A body that arrives in `parts` chunks, optionally with extra headers. */
function chunked(bytes: Uint8Array, parts: number, headers: Record<string, string> = {}): Response {
  const size = Math.ceil(bytes.byteLength / parts);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.byteLength; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
  return new Response(stream, { headers: { "content-type": OCI_MANIFEST, ...headers } });
}

function serving(respond: () => Response, registryOptions = {}) {
  const h = harness(registryOptions);
  h.net.route(ORIGIN, respond);
  return h;
}

describe("manifest bodies", () => {
  it("verifies a body that arrives in many chunks without Content-Length", async () => {
    const { client } = serving(() => chunked(manifest, 37));
    const fetched = await client.getManifest(parseReference(`${HOST}/app@${DIGEST}`));
    expect(fetched.descriptor).toEqual({
      mediaType: OCI_MANIFEST,
      digest: DIGEST,
      size: manifest.byteLength,
    });
    expect(fetched.bytes).toEqual(manifest);
  });

  it("refuses content whose digest differs from the requested one", async () => {
    const tampered = manifest.slice();
    tampered[tampered.length - 2] = " ".charCodeAt(0);
    const { client } = serving(() => chunked(tampered, 3));
    const err = await failure(client.getManifest(parseReference(`${HOST}/app@${DIGEST}`)));
    expect(err.code).toBe("DIGEST_MISMATCH");
    expect(err.message).toBe(
      `fetching the manifest of ${HOST}/app@${DIGEST}: manifest: content digest is ${digestOf(tampered)}, expected ${DIGEST}`,
    );
  });

  it("refuses content by tag whose Docker-Content-Digest differs", async () => {
    const other = `sha256:${"9".repeat(64)}`;
    const { client } = serving(() => chunked(manifest, 1, { "docker-content-digest": other }));
    const err = await failure(client.getManifest(parseReference(`${HOST}/app:v1`)));
    expect(err.code).toBe("DIGEST_MISMATCH");
    expect(err.message).toContain(`content digest is ${DIGEST}, expected ${other}`);
  });

  it("accepts content by tag without Docker-Content-Digest, digesting it", async () => {
    const { client } = serving(() => chunked(manifest, 2));
    expect((await client.getManifest(parseReference(`${HOST}/app:v1`))).descriptor.digest).toBe(
      DIGEST,
    );
  });

  it("refuses an announced Content-Length over the limit without reading", async () => {
    let pulled = 0;
    const { makeClient } = serving(() => {
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(new Uint8Array(1024));
        },
      });
      return new Response(stream, { headers: { "content-length": String(10 * 1024 * 1024) } });
    });
    const client = makeClient({ limits: { manifestBytes: 4096 } });
    const err = await failure(client.getManifest(parseReference(`${HOST}/app:v1`)));
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toMatch(/10485760 bytes announced, more than the limit of 4096/);
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("stops reading an endless body at the limit and cancels it", async () => {
    let cancelled = false;
    let pulled = 0;
    const { makeClient } = serving(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulled++;
              controller.enqueue(new Uint8Array(1000));
            },
            cancel() {
              cancelled = true;
            },
          }),
        ),
    );
    const err = await failure(
      makeClient({ limits: { manifestBytes: 4096 } }).getManifest(parseReference(`${HOST}/app:v1`)),
    );
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toMatch(/more than the limit of 4096 bytes/);
    expect(pulled).toBeLessThan(10);
    expect(cancelled).toBe(true);
  });

  it("reports a body shorter than its Content-Length as TRUNCATED", async () => {
    const { client } = serving(() =>
      chunked(manifest.slice(0, 50), 2, { "content-length": String(manifest.byteLength) }),
    );
    const err = await failure(client.getManifest(parseReference(`${HOST}/app@${DIGEST}`)));
    expect(err.code).toBe("TRUNCATED");
    expect(err.message).toContain(`body ended after 50 of ${manifest.byteLength} bytes`);
  });

  it("reports a stream that breaks as NETWORK", async () => {
    const { client } = serving(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(manifest.slice(0, 10));
              controller.error(new TypeError("terminated"));
            },
          }),
        ),
    );
    const err = await failure(client.getManifest(parseReference(`${HOST}/app@${DIGEST}`)));
    expect(err.code).toBe("NETWORK");
    expect(err.message).toBe(`fetching the manifest of ${HOST}/app@${DIGEST}: terminated`);
  });

  it("hashes at the end with a SHA-256 that cannot stream (WebCrypto)", async () => {
    const oneShot: Sha256 = {
      impl: "webcrypto",
      stream() {
        throw new ImgverifyError("DIGEST_UNSUPPORTED", "WebCrypto cannot stream");
      },
      hash: (data) => nobleSha256.hash(data),
    };
    const { registry, net, clock } = harness();
    const { descriptor } = pushImage(registry, "app");
    const { RegistryClient } = await import("../../../src/oci/index.ts");
    const { silentLogger } = await import("../../../src/deps.ts");
    const client = new RegistryClient({
      deps: { fetch: net.fetch, clock, logger: silentLogger, sha256: oneShot },
    });
    const fetched = await client.getManifest(parseReference(`${HOST}/app@${descriptor.digest}`));
    expect(fetched.descriptor.digest).toBe(descriptor.digest);
  });
});

describe("blob bodies", () => {
  const repo = { registry: HOST, repository: "app" };

  it("refuses a blob whose digest differs", async () => {
    const { registry, client, net } = harness();
    const { layer } = pushImage(registry, "app");
    net.route(ORIGIN, () => new Response(encoder.encode("layer of apX")));
    const err = await failure(client.getBlob(repo, layer));
    expect(err.code).toBe("DIGEST_MISMATCH");
    expect(err.message).toMatch(
      new RegExp(
        `^fetching blob ${HOST}/app@${layer.digest}: blob ${layer.digest}: content digest is`,
      ),
    );
  });

  it("refuses a blob longer than its descriptor while it streams", async () => {
    const { registry, client, net } = harness();
    const { layer } = pushImage(registry, "app");
    net.route(ORIGIN, () => chunked(encoder.encode("layer of app, and then some more"), 8));
    const err = await failure(client.getBlob(repo, layer));
    expect(err.code).toBe("SIZE_MISMATCH");
    expect(err.message).toContain(`more than the ${layer.size} bytes the descriptor says`);
  });

  it("refuses a blob whose Content-Length differs from its descriptor", async () => {
    const { registry, client, net } = harness();
    const { layer } = pushImage(registry, "app");
    net.route(ORIGIN, () => chunked(encoder.encode("short"), 1, { "content-length": "5" }));
    expect((await failure(client.getBlob(repo, layer))).code).toBe("SIZE_MISMATCH");
  });

  it("refuses a blob shorter than its descriptor", async () => {
    const { registry, client, net } = harness();
    const { layer } = pushImage(registry, "app");
    net.route(ORIGIN, () => chunked(encoder.encode("short"), 1));
    const err = await failure(client.getBlob(repo, layer));
    expect(err.code).toBe("SIZE_MISMATCH");
    expect(err.message).toContain(`5 bytes, the descriptor says ${layer.size}`);
  });
});
