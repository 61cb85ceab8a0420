/** The store mode's critical path is counted within each repository. */
import { describe, expect, it } from "vitest";
import { fewestRoundTrips, repositoryChains, repositoryOf } from "../../../bench/critical-path.ts";
import { criticalPathRtts, type LoggedRequest } from "../../support/proxy-log.ts";

const request = (path: string, startedAt: number, endedAt: number): LoggedRequest => ({
  method: "GET",
  path,
  status: 200,
  startedAt,
  endedAt,
});

describe("repositoryOf", () => {
  it("reads the repository of manifest, blob, tag and referrer paths", () => {
    expect(repositoryOf("/v2/bench/attested-1/manifests/v1")).toBe("bench/attested-1");
    expect(repositoryOf("/v2/app/blobs/sha256:abc")).toBe("app");
    expect(repositoryOf("/v2/a/b/c/tags/list?n=10")).toBe("a/b/c");
    expect(repositoryOf("/v2/app/referrers/sha256:abc")).toBe("app");
    expect(repositoryOf("/v2/")).toBe("/v2/");
  });
});

describe("repositoryChains and fewestRoundTrips", () => {
  it("do not chain one image's requests onto another's that merely ended first", () => {
    // Image a: tag, manifest, blob back to back. Image b's answers came late, so its
    // blob started after a's blob had ended.
    const log = [
      request("/v2/a/manifests/v1", 0, 10),
      request("/v2/a/manifests/sha256-1.sig", 11, 20),
      request("/v2/a/blobs/sha256:1", 21, 30),
      request("/v2/b/manifests/v1", 0, 12),
      request("/v2/b/manifests/sha256-2.sig", 13, 29),
      request("/v2/b/blobs/sha256:2", 31, 40),
    ];
    expect(criticalPathRtts(log)).toBe(4);
    expect(repositoryChains(log)).toEqual(
      new Map([
        ["a", 3],
        ["b", 3],
      ]),
    );
    expect(fewestRoundTrips([repositoryChains(log)])).toBe(3);
  });

  it("keep each repository's shortest chain over the runs, and the longest of those", () => {
    const slow = new Map([
      ["a", 4],
      ["b", 3],
    ]);
    const lateElsewhere = new Map([
      ["a", 3],
      ["b", 5],
    ]);
    expect(fewestRoundTrips([slow, lateElsewhere])).toBe(3);
    // A chain every run shows is real.
    expect(fewestRoundTrips([new Map([["a", 4]]), new Map([["a", 4]])])).toBe(4);
    expect(fewestRoundTrips([])).toBe(0);
  });

  it("count every dependent request within a repository", () => {
    const log = [
      request("/v2/a/manifests/v1", 0, 10),
      request("/v2/a/manifests/sha256-1.sig", 11, 20),
      request("/v2/a/manifests/sha256-1.att", 21, 30),
      request("/v2/a/blobs/sha256:1", 31, 40),
      request("/v2/b/manifests/v1", 0, 10),
    ];
    expect(fewestRoundTrips([repositoryChains(log)])).toBe(4);
  });
});
