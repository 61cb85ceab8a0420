/**
 * imageReferences globs as imgverify matches them, beside what Kyverno does
 * with the same pattern and image (docs/KYVERNO-PARITY.md). Kyverno matches
 * `wildcard.Match(pattern, imageInfo.String())` with the registry as written
 * (pkg/utils/image/infos.go GetImageInfo: distribution/reference.Parse, no
 * normalisation, no `library/`); imgverify normalises the image's registry
 * and a glob's literal registry alike, so a spelling of a host can neither
 * escape a glob nor be missed by one.
 */
import { describe, expect, it } from "vitest";
import { kyvernoImageInfo, matchesImageReferences } from "../../../../src/policy/index.ts";

const D = `sha256:${"b".repeat(64)}`;
const matches = (pattern: string, image: string): boolean =>
  matchesImageReferences([pattern], kyvernoImageInfo(image));

describe("parity: imageReferences globs", () => {
  it.each([
    // pattern, image, imgverify, Kyverno
    ["docker.io/*", "index.docker.io/nginx:1", true, false],
    // A literal registry in a glob is normalised as the image's is, so no spelling escapes it.
    ["index.docker.io/*", "index.docker.io/nginx:1", true, true],
    ["index.docker.io/*", "nginx:1", true, false],
    ["registry-1.docker.io/*", "registry-1.docker.io/nginx:1", true, true],
    ["docker.io/library/*", "nginx:1", true, false],
    ["docker.io/nginx*", "library/nginx:1", true, false],
    ["ghcr.io/org/*", "ghcr.io:443/org/app:v1", true, false],
    ["ghcr.io:443/*", "ghcr.io:443/org/app:v1", true, true],
    ["GHCR.io:443/org/*", "ghcr.io/org/app:v1", true, false],
    ["ghcr.io/*", "GHCR.io/org/app:v1", true, false],
    ["UPPER/*", "UPPER/case:v1", true, true],
    ["*.gcr.io/*", "eu.gcr.io/p/app:v1", true, true],
  ])("%s vs %s: imgverify %s (Kyverno %s)", (pattern, image, ours, _kyverno) => {
    expect(matches(pattern, image)).toBe(ours);
  });

  it.each([
    // Shared semantics: `*` spans `/` and may be empty, `?` is exactly one character.
    ["ghcr.io/*", "ghcr.io/a/b/c:v1", true],
    ["ghcr.io/org/app:*", "ghcr.io/org/app", true],
    ["ghcr.io/org/app*", "ghcr.io/org/app:v1", true],
    ["ghcr.io/org/app:v?", "ghcr.io/org/app:v", false],
    ["ghcr.io/org/app:v?", "ghcr.io/org/app:v1", true],
    ["ghcr.io/org/app", "ghcr.io/org/app:v1", false],
    ["ghcr.io/org/app:latest", "ghcr.io/org/app", true],
    // A tag beside a digest is dropped: the name matched is registry/path@digest.
    ["ghcr.io/org/app:v1*", `ghcr.io/org/app:v1@${D}`, false],
    [`ghcr.io/org/app@${D}`, `ghcr.io/org/app:v1@${D}`, true],
    ["ghcr.io/org/app@*", `ghcr.io/org/app@${D}`, true],
  ])("%s vs %s is %s in both", (pattern, image, expected) => {
    expect(matches(pattern, image)).toBe(expected);
  });
});
