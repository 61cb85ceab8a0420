import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import {
  imageVariable,
  imageVerificationApplies,
  kyvernoImageInfo,
  matchesImageReferences,
} from "../../../src/policy/index.ts";

const D = `sha256:${"a".repeat(64)}`;

describe("kyvernoImageInfo", () => {
  it.each([
    ["nginx", "docker.io/nginx:latest"],
    ["nginx:1.27", "docker.io/nginx:1.27"],
    ["library/nginx:1", "docker.io/library/nginx:1"],
    ["docker.io/nginx", "docker.io/nginx:latest"],
    ["index.docker.io/nginx", "docker.io/nginx:latest"],
    ["ghcr.io/org/app:v1", "ghcr.io/org/app:v1"],
    ["UPPER/case", "upper/case:latest"],
    [`ghcr.io/org/app:v1@${D}`, `ghcr.io/org/app@${D}`],
    [`ghcr.io/org/app@${D}`, `ghcr.io/org/app@${D}`],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/a/b:dev", "localhost:5000/a/b:dev"],
    ["127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"],
    ["Registry.Example.com/app", "registry.example.com/app:latest"],
  ])("%s is matched as %s", (image, reference) => {
    expect(kyvernoImageInfo(image).reference).toBe(reference);
  });

  it("splits registry, path, name, tag and digest", () => {
    expect(kyvernoImageInfo(`ghcr.io/kyverno/test-verify-image:signed@${D}`)).toEqual({
      registry: "ghcr.io",
      path: "kyverno/test-verify-image",
      name: "test-verify-image",
      tag: "signed",
      digest: D,
      reference: `ghcr.io/kyverno/test-verify-image@${D}`,
      referenceWithTag: "ghcr.io/kyverno/test-verify-image:signed",
    });
  });

  it.each([
    "",
    "app/UPPER",
    "ghcr.io/Org/app",
    "a b",
    `app@sha256:${"a".repeat(63)}`,
    "app:-bad",
    "ghcr.io//x",
    `x@md5:${"a".repeat(32)}`,
  ])("refuses %j", (image) => {
    let caught: unknown;
    try {
      kyvernoImageInfo(image);
    } catch (err) {
      caught = err;
    }
    expect(isImgverifyError(caught, "FIELD_INVALID")).toBe(true);
  });

  it("builds the images.* variable without empty fields", () => {
    expect(imageVariable(kyvernoImageInfo("nginx"), "/spec/containers/0/image")).toEqual({
      name: "nginx",
      path: "nginx",
      registry: "docker.io",
      tag: "latest",
      reference: "docker.io/nginx:latest",
      referenceWithTag: "docker.io/nginx:latest",
      jsonPointer: "/spec/containers/0/image",
    });
  });
});

describe("imageReferences globs", () => {
  it.each([
    ["ghcr.io/org/*", "ghcr.io/org/app:v1", true],
    ["ghcr.io/org/*", "ghcr.io/org/team/app:v1", true],
    ["ghcr.io/org/*", "ghcr.io/other/app:v1", false],
    ["ghcr.io/kyverno/test-verify-image:*", "ghcr.io/kyverno/test-verify-image:signed", true],
    ["ghcr.io/kyverno/test-verify-image:*", `ghcr.io/kyverno/test-verify-image:signed@${D}`, false],
    ["ghcr.io/kyverno/test-verify-image*", `ghcr.io/kyverno/test-verify-image:signed@${D}`, true],
    ["ghcr.io/kyverno/zulu*", "ghcr.io/kyverno/zulu:v0.0.14", true],
    ["docker.io/nginx*", "nginx:1.27", true],
    ["docker.io/nginx*", "docker.io/nginx", true],
    ["docker.io/library/nginx*", "nginx", true],
    ["nginx*", "nginx", false],
    ["*", "anything/at/all:tag", true],
    ["ghcr.io/org/app:v?", "ghcr.io/org/app:v1", true],
    ["ghcr.io/org/app:v?", "ghcr.io/org/app:v10", false],
    ["my.local.repo/*", "my.local.repo/x/y:z", true],
    ["ghcr.io/*", "GHCR.io/org/app", true],
  ])("%s vs %s -> %s", (pattern, image, expected) => {
    expect(matchesImageReferences([pattern], kyvernoImageInfo(image))).toBe(expected);
  });

  it("skips images that match skipImageReferences", () => {
    const v = { imageReferences: ["ghcr.io/*"], skipImageReferences: ["ghcr.io/kyverno*"] };
    expect(imageVerificationApplies(v, kyvernoImageInfo("ghcr.io/kyverno/x:1"))).toBe("skip");
    expect(imageVerificationApplies(v, kyvernoImageInfo("ghcr.io/other/x:1"))).toBe("verify");
    expect(imageVerificationApplies(v, kyvernoImageInfo("quay.io/other/x:1"))).toBe("no-match");
  });
});
