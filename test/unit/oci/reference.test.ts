import { describe, expect, it } from "vitest";
import {
  assertReference,
  formatReference,
  isOciError,
  parseReference,
  registryApiHost,
  withDigest,
} from "../../../src/oci/index.ts";

const HEX = "a".repeat(64);
const D = `sha256:${HEX}`;

describe("parseReference", () => {
  it.each([
    ["nginx", "docker.io/library/nginx:latest"],
    ["nginx:1.27", "docker.io/library/nginx:1.27"],
    [`nginx@${D}`, `docker.io/library/nginx@${D}`],
    [`nginx:1.27@${D}`, `docker.io/library/nginx:1.27@${D}`],
    ["bitnami/redis", "docker.io/bitnami/redis:latest"],
    ["docker.io/nginx", "docker.io/library/nginx:latest"],
    ["index.docker.io/nginx:1", "docker.io/library/nginx:1"],
    ["INDEX.DOCKER.IO/library/nginx", "docker.io/library/nginx:latest"],
    ["docker.io/library/nginx", "docker.io/library/nginx:latest"],
    ["ghcr.io/a/b:v1", "ghcr.io/a/b:v1"],
    ["ghcr.io/a/b/c/d", "ghcr.io/a/b/c/d:latest"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/app:dev", "localhost:5000/app:dev"],
    ["127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000/team/app:1.0"],
    ["[::1]:5000/app", "[::1]:5000/app:latest"],
    ["[fe80::1%25eth0]/app", undefined],
    ["[2001:db8::1]/app:v2", "[2001:db8::1]/app:v2"],
    ["Registry.Example.com/app", "registry.example.com/app:latest"],
    ["Foo/bar", "foo/bar:latest"],
    [
      "my-registry.internal:443/a.b/c_d/e__f/g-h/i---j",
      "my-registry.internal/a.b/c_d/e__f/g-h/i---j:latest",
    ],
    ["repo:_tag", "docker.io/library/repo:_tag"],
    ["repo:V1.2-rc.3_x", "docker.io/library/repo:V1.2-rc.3_x"],
    ["localhost:5000", "docker.io/library/localhost:5000"],
    [`ghcr.io/a/b@sha512:${"b".repeat(128)}`, `ghcr.io/a/b@sha512:${"b".repeat(128)}`],
  ])("%s -> %s", (input, expected) => {
    if (expected === undefined) {
      expect(() => parseReference(input)).toThrow(/invalid image reference/);
      return;
    }
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  it("splits the parts and leaves the tag out when only a digest is given", () => {
    expect(parseReference(`ghcr.io/a/b@${D}`)).toEqual({
      registry: "ghcr.io",
      repository: "a/b",
      tag: undefined,
      digest: D,
    });
    expect(parseReference("[::1]:5000/x:y")).toMatchObject({
      registry: "[::1]:5000",
      repository: "x",
      tag: "y",
    });
  });

  it("returns frozen references", () => {
    expect(Object.isFrozen(parseReference("nginx"))).toBe(true);
  });

  it.each([
    ["", /empty/],
    ["NGINX", /must be lower case/],
    ["ghcr.io/Org/app", /must be lower case/],
    ["ghcr.io/a//b", /empty path component/],
    ["ghcr.io/", /empty/],
    ["ghcr.io/a/-b", /not a valid repository path component/],
    ["ghcr.io/a/b_", /not a valid repository path component/],
    ["ghcr.io/a/b___c", /not a valid repository path component/],
    ["ghcr.io/a b", /not a valid repository path component/],
    ["nginx:", /tag "" is not valid/],
    ["nginx:.x", /tag ".x" is not valid/],
    ["nginx:-x", /tag "-x" is not valid/],
    [`nginx:${"t".repeat(129)}`, /tag .* is not valid/],
    ["nginx@", /algorithm:hex/],
    ["nginx@sha256:abc", /64 lower-case hex/],
    [`nginx@sha256:${"A".repeat(64)}`, /64 lower-case hex/],
    [`nginx@md5:${HEX}`, /not supported/],
    [`nginx@${D}@${D}`, /hex/],
    ["-registry.io/a", /registry host "-registry.io" is not/],
    ["reg_istry.io/a", /registry host/],
    ["registry.io:99999/a", /port "99999"/],
    ["registry.io:/a", /port ""/],
    ["[zz::1]:5000/a", /registry host/],
    [`ghcr.io/${"a".repeat(250)}`, /longer than 255/],
    ["x".repeat(2000), /longer than 1024 characters/],
  ])("refuses %j", (input, problem) => {
    let thrown: unknown;
    try {
      parseReference(input);
    } catch (err) {
      thrown = err;
    }
    expect(isOciError(thrown, "REFERENCE_INVALID")).toBe(true);
    const message = (thrown as Error).message;
    expect(message).toMatch(problem);
    expect(message).toContain(`invalid image reference "${input.slice(0, 120)}`);
  });
});

describe("reference helpers", () => {
  it("maps docker.io to its API host and keeps others", () => {
    expect(registryApiHost("docker.io")).toBe("registry-1.docker.io");
    expect(registryApiHost("index.docker.io")).toBe("registry-1.docker.io");
    expect(registryApiHost("ghcr.io")).toBe("ghcr.io");
    expect(registryApiHost("[::1]:5000")).toBe("[::1]:5000");
  });

  it("pins a reference to a digest, keeping the tag for messages", () => {
    expect(formatReference(withDigest(parseReference("ghcr.io/a/b:v1"), D))).toBe(
      `ghcr.io/a/b:v1@${D}`,
    );
  });

  it("checks references built by hand", () => {
    expect(() =>
      assertReference({ registry: "ghcr.io", repository: "a/../b", tag: "v1", digest: undefined }),
    ).toThrow(/not a valid repository path component/);
    expect(() =>
      assertReference({ registry: "ghcr.io", repository: "a", tag: "x/../y", digest: undefined }),
    ).toThrow(/tag/);
    expect(() => assertReference({ registry: "ghcr.io", repository: "a/b" })).not.toThrow();
  });
});
