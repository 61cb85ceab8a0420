import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isManifestProblem, parseManifest } from "../../../src/oci/content/manifest.ts";
import { nextLink } from "../../../src/oci/pages.ts";
import { FUZZ_SEED, fuzzOptions, mutate, mutationsArb, outcome, utf8 } from "./support.ts";

const CODES = ["MANIFEST_INVALID", "MANIFEST_UNSUPPORTED"];
const digest = `sha256:${"ab".repeat(32)}`;
const descriptor = (mediaType: string) => ({
  mediaType,
  digest,
  size: 12,
  annotations: { a: "b" },
});
const manifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: descriptor("application/vnd.oci.image.config.v1+json"),
  layers: [descriptor("application/vnd.oci.image.layer.v1.tar+gzip")],
  subject: descriptor("application/vnd.oci.image.manifest.v1+json"),
};
const index = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [
    {
      ...descriptor("application/vnd.oci.image.manifest.v1+json"),
      platform: { os: "linux", architecture: "amd64" },
    },
    {
      ...descriptor("application/vnd.oci.image.manifest.v1+json"),
      artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    },
  ],
};
const contentTypes = fc.constantFrom(
  undefined,
  "application/json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
  "constructor",
  "__proto__",
  "",
);

/** parseManifest returns a parsed manifest or a coded problem; it never throws. */
function check(bytes: Uint8Array, contentType: string | undefined): void {
  const parsed = outcome(() => parseManifest(bytes, contentType), []);
  if (parsed instanceof Error) return;
  if (isManifestProblem(parsed)) expect(CODES).toContain(parsed.code);
  else expect(Object.isFrozen(parsed.manifest)).toBe(true);
}

describe(`manifest, index and referrers parser properties (seed ${FUZZ_SEED})`, {
  timeout: 30_000,
}, () => {
  it("arbitrary bytes and JSON give a manifest or a coded problem", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.json({ maxDepth: 3 }).map(utf8)),
        contentTypes,
        check,
      ),
      fuzzOptions(400),
    );
  });

  it("mutated manifests and referrers indexes give a manifest or a coded problem", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(manifest, index),
        mutationsArb,
        contentTypes,
        (doc, mutations, type) => {
          check(utf8(JSON.stringify(mutate(doc, mutations))), type);
        },
      ),
      fuzzOptions(200),
    );
  });

  it("referrers indexes with many entries are read in bounded time", () => {
    const manifests = Array.from({ length: 10_000 }, () => index.manifests[1]);
    check(utf8(JSON.stringify({ ...index, manifests })), undefined);
  });

  it("Link headers of any shape give a URL or nothing", () => {
    const base = new URL("https://registry.example/v2/r/referrers/x");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc
            .tuple(
              fc.string({ maxLength: 20 }),
              fc.constantFrom('rel="next"', "rel=next", 'rel="prev"', ""),
            )
            .map(([target, rel]) => `<${target}>; ${rel}`),
        ),
        (header) => {
          const link = outcome(
            () => nextLink(header, base),
            ["RESPONSE_INVALID", "REDIRECT_REFUSED"],
          );
          if (typeof link === "string") expect(URL.canParse(link)).toBe(true);
        },
      ),
      fuzzOptions(300),
    );
  });
});
