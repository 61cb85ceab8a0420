import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import {
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  parseReference,
  RegistryClient,
} from "../../../src/oci/index.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeNet } from "./fake-net.ts";
import { FakeRegistry } from "./fake-registry.ts";
import { failure, HOST, harness, pushImage } from "./setup.ts";

describe("RegistryClient.resolve", () => {
  it("resolves a tag with one HEAD", async () => {
    const { net, registry, client } = harness();
    const { descriptor } = pushImage(registry, "team/app", ["v1"]);
    expect(await client.resolve(parseReference(`${HOST}/team/app:v1`))).toEqual(descriptor);
    expect(net.log.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      "HEAD /v2/team/app/manifests/v1",
    ]);
    expect(net.log[0]?.accept).toContain(OCI_INDEX);
    expect(net.log[0]?.accept).not.toContain("v1+prettyjws");
  });

  it("falls back to GET and digests the body when HEAD has no Docker-Content-Digest", async () => {
    const { net, registry, client } = harness({ headDigest: false });
    const { descriptor } = pushImage(registry, "app", ["v1"]);
    expect(await client.resolve(parseReference(`${HOST}/app:v1`))).toEqual(descriptor);
    expect(net.log.map((r) => r.method)).toEqual(["HEAD", "GET"]);
  });

  it("checks a digest reference against the registry's answer", async () => {
    const { registry, client } = harness();
    const { descriptor } = pushImage(registry, "app", ["v1"]);
    expect(await client.resolve(parseReference(`${HOST}/app@${descriptor.digest}`))).toEqual(
      descriptor,
    );
  });

  it("maps MANIFEST_UNKNOWN to NOT_FOUND and names the reference and step", async () => {
    const { registry, client } = harness();
    pushImage(registry, "app", ["v1"]);
    const err = await failure(client.getManifest(parseReference(`${HOST}/app:v2`)));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.registryCode).toBe("MANIFEST_UNKNOWN");
    expect(err.status).toBe(404);
    expect(err.reference).toBe(`${HOST}/app:v2`);
    expect(err.message).toMatch(
      new RegExp(`^fetching the manifest of ${HOST}/app:v2: not found: GET`),
    );
    expect(err.message).toContain("manifest unknown");
  });

  it("reports a HEAD 404 without a body as NOT_FOUND", async () => {
    const { client } = harness();
    const err = await failure(client.resolve(parseReference(`${HOST}/app:v1`)));
    expect(err).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(err.message).toMatch(
      new RegExp(
        `^resolving ${HOST}/app:v1: not found: HEAD https://${HOST}/v2/app/manifests/v1 answered HTTP 404`,
      ),
    );
  });

  it("talks to registry-1.docker.io for docker.io references", async () => {
    const net = new FakeNet();
    const registry = new FakeRegistry("https://registry-1.docker.io").attach(net);
    const { descriptor } = pushImage(registry, "library/nginx", ["latest"]);
    const client = new RegistryClient({
      deps: { fetch: net.fetch, clock: new FakeClock(), logger: silentLogger, sha256: nobleSha256 },
    });
    expect(await client.resolve(parseReference("nginx"))).toEqual(descriptor);
    expect(net.log[0]?.url.href).toBe(
      "https://registry-1.docker.io/v2/library/nginx/manifests/latest",
    );
  });
});

describe("RegistryClient.getManifest", () => {
  it("returns the verified bytes, the parsed manifest and its descriptor", async () => {
    const { registry, client } = harness();
    const { descriptor, manifest } = pushImage(registry, "app", ["v1"]);
    const fetched = await client.getManifest(parseReference(`${HOST}/app:v1`));
    expect(fetched.descriptor).toEqual(descriptor);
    expect(fetched.manifest).toEqual(manifest);
    expect(Object.isFrozen(fetched.manifest)).toBe(true);
    expect(new TextDecoder().decode(fetched.bytes)).toBe(JSON.stringify(manifest));
  });

  it("reads Docker v2 manifests and OCI manifests without a mediaType field", async () => {
    const { registry, client } = harness();
    const { config, layer } = pushImage(registry, "app", ["v1"]);
    registry.pushManifest(
      "app",
      { schemaVersion: 2, mediaType: DOCKER_MANIFEST, config, layers: [layer] },
      { tags: ["docker"] },
    );
    registry.pushManifest(
      "app",
      { schemaVersion: 2, config, layers: [layer] },
      { tags: ["bare"], mediaType: OCI_MANIFEST },
    );
    const docker = await client.getManifest(parseReference(`${HOST}/app:docker`));
    expect(docker.descriptor.mediaType).toBe(DOCKER_MANIFEST);
    const bare = await client.getManifest(parseReference(`${HOST}/app:bare`));
    expect(bare.descriptor.mediaType).toBe(OCI_MANIFEST);
  });

  it("refuses schema 1 manifests", async () => {
    const { registry, client } = harness();
    registry.pushManifest(
      "app",
      { schemaVersion: 1, name: "app", tag: "old", fsLayers: [] },
      {
        tags: ["old"],
        mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws",
      },
    );
    const err = await failure(client.getManifest(parseReference(`${HOST}/app:old`)));
    expect(err.code).toBe("MANIFEST_UNSUPPORTED");
    expect(err.message).toMatch(/schema 1/);
    const head = await failure(client.resolve(parseReference(`${HOST}/app:old`)));
    expect(head.code).toBe("MANIFEST_UNSUPPORTED");
  });

  it("lists every problem of a malformed manifest", async () => {
    const { registry, client } = harness();
    registry.pushManifest(
      "app",
      {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: "x", digest: "sha256:00", size: -1 },
        layers: "no",
      },
      { tags: ["bad"] },
    );
    const err = await failure(client.getManifest(parseReference(`${HOST}/app:bad`)));
    expect(err.code).toBe("MANIFEST_INVALID");
    expect(err.message).toContain("config.digest: a sha256 digest is 64 lower-case hex characters");
    expect(err.message).toContain("config.size is not a whole number >= 0");
    expect(err.message).toContain("layers is not an array");
  });

  it("refuses bodies that are not JSON, after checking their digest", async () => {
    const { registry, client } = harness();
    const { digest } = registry.pushManifest("app", new TextEncoder().encode("{not json"), {
      tags: ["x"],
    });
    const err = await failure(client.getManifest(parseReference(`${HOST}/app@${digest}`)));
    expect(err.code).toBe("MANIFEST_INVALID");
    expect(err.message).toMatch(/not JSON/);
  });

  it("refuses an unknown manifest media type", async () => {
    const { registry, client } = harness();
    registry.pushManifest(
      "app",
      { schemaVersion: 2, mediaType: "application/vnd.example+json" },
      { tags: ["x"] },
    );
    expect((await failure(client.getManifest(parseReference(`${HOST}/app:x`)))).code).toBe(
      "MANIFEST_UNSUPPORTED",
    );
  });

  it("hands out fresh byte arrays: a caller's changes reach nobody else", async () => {
    const { registry, makeClient } = harness();
    pushImage(registry, "app", ["v1"]);
    const { SingleFlight } = await import("../../../src/store/single-flight.ts");
    const client = makeClient({ store: new SingleFlight() });
    const ref = parseReference(`${HOST}/app:v1`);
    const first = await client.getManifest(ref);
    first.bytes.fill(0);
    const second = await client.getManifest(ref);
    expect(second.bytes[0]).toBe("{".charCodeAt(0));
    expect(client.stats).toEqual({ requests: 1, shared: 1 });
  });

  it("refuses digests it cannot verify", async () => {
    const { client } = harness();
    const ref = parseReference(`${HOST}/app@sha512:${"c".repeat(128)}`);
    expect((await failure(client.getManifest(ref))).code).toBe("DIGEST_UNSUPPORTED");
  });
});

describe("RegistryClient.getBlob", () => {
  it("fetches and verifies a blob", async () => {
    const { registry, client } = harness();
    const { layer } = pushImage(registry, "app");
    const bytes = await client.getBlob({ registry: HOST, repository: "app" }, layer);
    expect(new TextDecoder().decode(bytes)).toBe("layer of app");
  });

  it("refuses a blob larger than the limit before asking for it", async () => {
    const { net, registry, client } = harness();
    const { layer } = pushImage(registry, "app");
    const err = await failure(
      client.getBlob({ registry: HOST, repository: "app" }, layer, { maxBytes: 4 }),
    );
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toMatch(
      new RegExp(`^fetching blob ${HOST}/app@sha256:[0-9a-f]{64}: the descriptor says`),
    );
    expect(net.requests("/blobs/")).toHaveLength(0);
  });

  it("maps BLOB_UNKNOWN to NOT_FOUND", async () => {
    const { client } = harness();
    const descriptor = { mediaType: "x", digest: `sha256:${"d".repeat(64)}`, size: 3 };
    const err = await failure(client.getBlob({ registry: HOST, repository: "app" }, descriptor));
    expect(err).toMatchObject({ code: "NOT_FOUND", registryCode: "BLOB_UNKNOWN" });
  });

  it("refuses malformed descriptors", async () => {
    const { client } = harness();
    const repo = { registry: HOST, repository: "app" };
    const badDigest = await failure(
      client.getBlob(repo, { mediaType: "x", digest: "sha256:12", size: 1 }),
    );
    expect(badDigest).toMatchObject({
      code: "REFERENCE_INVALID",
      message: expect.stringMatching(/^blob descriptor/),
    });
    const badSize = { mediaType: "x", digest: `sha256:${"d".repeat(64)}`, size: 1.5 };
    expect((await failure(client.getBlob(repo, badSize))).message).toMatch(/size 1.5/);
    const badRepo = await failure(client.listTags({ registry: HOST, repository: "A" }));
    expect(badRepo.code).toBe("REFERENCE_INVALID");
  });
});

describe("RegistryClient.listTags", () => {
  it("follows Link pagination", async () => {
    const { net, registry, client } = harness({ tagPageSize: 2 });
    pushImage(registry, "app", ["a", "b", "c", "d", "e"]);
    expect(await client.listTags({ registry: HOST, repository: "app" })).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    expect(net.requests("/tags/list")).toHaveLength(3);
  });

  it("stops at the page bound", async () => {
    const { registry, makeClient } = harness({ tagPageSize: 1 });
    pushImage(registry, "app", ["a", "b", "c", "d"]);
    const client = makeClient({ limits: { maxPages: 3 } });
    const err = await failure(client.listTags({ registry: HOST, repository: "app" }));
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toBe(`listing the tags of ${HOST}/app: tag list: more than 3 pages`);
  });

  it("stops at the tag bound", async () => {
    const { registry, makeClient } = harness();
    pushImage(registry, "app", ["a", "b", "c"]);
    const err = await failure(
      makeClient({ limits: { maxTags: 2 } }).listTags({ registry: HOST, repository: "app" }),
    );
    expect(err.message).toMatch(/more than 2 entries/);
  });

  it("maps NAME_UNKNOWN to NOT_FOUND", async () => {
    const { client } = harness();
    const err = await failure(client.listTags({ registry: HOST, repository: "nope" }));
    expect(err).toMatchObject({ code: "NOT_FOUND", registryCode: "NAME_UNKNOWN" });
  });
});

describe("RegistryClient options", () => {
  it("refuses bad limits and timeouts", () => {
    const deps = {
      fetch: new FakeNet().fetch,
      clock: new FakeClock(),
      logger: silentLogger,
      sha256: nobleSha256,
    };
    expect(() => new RegistryClient({ deps, limits: { manifestBytes: -1 } })).toThrow(
      /limits.manifestBytes/,
    );
    expect(() => new RegistryClient({ deps, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new RegistryClient({ deps, insecureRegistries: ["a/b"] })).toThrow(
      /insecure registry "a\/b"/,
    );
  });

  it("reports every HTTP exchange to onRequest", async () => {
    const events: unknown[] = [];
    const { registry, makeClient } = harness();
    pushImage(registry, "app");
    await makeClient({ onRequest: (e) => events.push(e) }).resolve(
      parseReference(`${HOST}/app:v1`),
    );
    expect(events).toEqual([
      { method: "HEAD", url: `https://${HOST}/v2/app/manifests/v1`, status: 200 },
    ]);
  });

  it("errors are OciErrors with a JSON form", async () => {
    const { client } = harness();
    const err = await failure(client.resolve(parseReference(`${HOST}/app:v1`)));
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({
      code: "NOT_FOUND",
      reference: `${HOST}/app:v1`,
      status: 404,
    });
  });
});
