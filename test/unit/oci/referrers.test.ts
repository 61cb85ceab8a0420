import { describe, expect, it } from "vitest";
import { type Descriptor, fallbackTag, OCI_INDEX, OCI_MANIFEST } from "../../../src/oci/index.ts";
import type { FakeRegistry } from "./fake-registry.ts";
import { failure, HOST, harness, ORIGIN, pushImage } from "./setup.ts";

const BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json";
const SBOM = "application/spdx+json";
const repo = { registry: HOST, repository: "app" };

/** An image with two referrers (a bundle and an SBOM), and the fallback index when asked for. */
function withReferrers(registry: FakeRegistry, fallbackIndex: boolean) {
  const { descriptor: subject } = pushImage(registry, "app");
  const empty = registry.pushBlob("app", "{}", "application/vnd.oci.empty.v1+json");
  const refer = (artifactType: string, content: string): Descriptor => {
    const layer = registry.pushBlob("app", content, artifactType);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: empty,
      layers: [layer],
      subject,
    };
    return { ...registry.pushManifest("app", manifest), artifactType };
  };
  const bundle = refer(BUNDLE, "bundle");
  const sbom = refer(SBOM, "sbom");
  if (fallbackIndex) {
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [bundle, sbom] };
    registry.pushManifest("app", index, { tags: [fallbackTag(subject.digest)] });
  }
  return { subject, bundle, sbom };
}

describe("getReferrers", () => {
  it("falls back to the sha256-<hex> tag when the registry has no referrers API", async () => {
    const { net, registry, client } = harness();
    const { subject, bundle, sbom } = withReferrers(registry, true);
    expect(await client.getReferrers(repo, subject.digest)).toEqual({
      source: "tag-fallback",
      descriptors: [bundle, sbom],
    });
    expect(net.log.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      `GET /v2/app/referrers/${subject.digest}`,
      `GET /v2/app/manifests/sha256-${subject.digest.slice(7)}`,
    ]);
  });

  it("filters the fallback index by artifactType", async () => {
    const { registry, client } = harness();
    const { subject, bundle } = withReferrers(registry, true);
    const found = await client.getReferrers(repo, subject.digest, { artifactType: BUNDLE });
    expect(found).toEqual({ source: "tag-fallback", descriptors: [bundle] });
  });

  it("finds nothing when neither the API nor the fallback tag exists", async () => {
    const { registry, client } = harness();
    const { subject } = withReferrers(registry, false);
    expect(await client.getReferrers(repo, subject.digest)).toEqual({
      source: "tag-fallback",
      descriptors: [],
    });
  });

  it("refuses a fallback tag that does not hold an OCI index", async () => {
    const { registry, client } = harness();
    const { subject } = withReferrers(registry, false);
    pushImage(registry, "app", [fallbackTag(subject.digest)]);
    const err = await failure(client.getReferrers(repo, subject.digest));
    expect(err.code).toBe("MANIFEST_INVALID");
    expect(err.message).toMatch(
      new RegExp(`^listing referrers of ${HOST}/app@${subject.digest}: the fallback tag sha256-`),
    );
  });

  it("uses the referrers API and its artifactType filter", async () => {
    const { net, registry, client } = harness({ referrersApi: true });
    const { subject, bundle } = withReferrers(registry, false);
    const found = await client.getReferrers(repo, subject.digest, { artifactType: BUNDLE });
    expect(found).toEqual({ source: "api", descriptors: [bundle] });
    expect(net.log).toHaveLength(1);
    expect(net.log[0]?.url.searchParams.get("artifactType")).toBe(BUNDLE);
    expect(net.log[0]?.accept).toBe(OCI_INDEX);
  });

  it("filters API answers itself when the registry did not (no OCI-Filters-Applied)", async () => {
    const { registry, client } = harness({ referrersApi: true, referrersFilter: false });
    const { subject, sbom } = withReferrers(registry, false);
    expect(await client.getReferrers(repo, subject.digest, { artifactType: SBOM })).toEqual({
      source: "api",
      descriptors: [sbom],
    });
  });

  it("treats an answer that is not an image index as a missing API", async () => {
    const { net, registry, client } = harness();
    const { subject, bundle, sbom } = withReferrers(registry, true);
    net.route(ORIGIN, (req) =>
      req.url.includes("/referrers/")
        ? new Response("<html>login</html>", { headers: { "content-type": "text/html" } })
        : registry.handle(req),
    );
    expect(await client.getReferrers(repo, subject.digest)).toEqual({
      source: "tag-fallback",
      descriptors: [bundle, sbom],
    });
  });

  it("follows Link pagination of the API, bounded", async () => {
    const { net, registry, makeClient } = harness({ referrersApi: true });
    const { subject, bundle, sbom } = withReferrers(registry, false);
    const page = (manifests: Descriptor[], next?: string): Response =>
      Response.json(
        { schemaVersion: 2, mediaType: OCI_INDEX, manifests },
        { headers: { "content-type": OCI_INDEX, ...(next && { link: `<${next}>; rel="next"` }) } },
      );
    net.route(ORIGIN, (req) =>
      new URL(req.url).searchParams.has("page")
        ? page([sbom])
        : page([bundle], `/v2/app/referrers/${subject.digest}?page=2`),
    );
    expect((await makeClient().getReferrers(repo, subject.digest)).descriptors).toEqual([
      bundle,
      sbom,
    ]);
    const err = await failure(
      makeClient({ limits: { maxPages: 1 } }).getReferrers(repo, subject.digest),
    );
    expect(err).toMatchObject({
      code: "TOO_LARGE",
      message: expect.stringMatching(/more than 1 pages/),
    });
  });

  it("passes other API errors on", async () => {
    const { net, client } = harness();
    net.route(ORIGIN, () =>
      Response.json({ errors: [{ code: "DENIED", message: "no" }] }, { status: 403 }),
    );
    const err = await failure(client.getReferrers(repo, `sha256:${"a".repeat(64)}`));
    expect(err).toMatchObject({ code: "DENIED", registryCode: "DENIED", status: 403 });
  });

  it("refuses a malformed subject digest", async () => {
    const { client } = harness();
    expect((await failure(client.getReferrers(repo, "sha256:xyz"))).code).toBe("REFERENCE_INVALID");
  });
});

describe("fallbackTag", () => {
  it("joins algorithm and hex with a dash, truncating as the spec says", () => {
    expect(fallbackTag(`sha256:${"ab".repeat(32)}`)).toBe(`sha256-${"ab".repeat(32)}`);
    expect(fallbackTag(`sha512:${"c".repeat(128)}`)).toBe(`sha512-${"c".repeat(64)}`);
  });
});
