import { describe, expect, it } from "vitest";
import {
  type Descriptor,
  type ImageIndex,
  isOciError,
  OCI_INDEX,
  OCI_MANIFEST,
  parsePlatform,
  selectPlatform,
} from "../../../src/oci/index.ts";

const entry = (n: number, platform?: Descriptor["platform"]): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${String(n).repeat(64)}`,
  size: 100 + n,
  ...(platform && { platform }),
});

const index: ImageIndex = {
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    entry(1, { os: "linux", architecture: "arm64", variant: "v8" }),
    entry(2, { os: "linux", architecture: "amd64" }),
    entry(3, { os: "linux", architecture: "arm", variant: "v6" }),
    entry(4, { os: "linux", architecture: "arm", variant: "v7" }),
    entry(5, { os: "windows", architecture: "amd64", "os.version": "10.0.20348.1" }),
    entry(6, { os: "unknown", architecture: "unknown" }),
    entry(7),
  ],
};

describe("selectPlatform", () => {
  it("picks linux/amd64 by default", () => {
    expect(selectPlatform(index).size).toBe(102);
  });

  it.each([
    ["linux/arm64", 101],
    ["linux/arm64/v8", 101],
    ["linux/arm", 104],
    ["linux/arm/v7", 104],
    ["linux/arm/v6", 103],
    ["windows/amd64", 105],
  ])("%s -> entry %i", (want, size) => {
    expect(selectPlatform(index, want).size).toBe(size);
  });

  it("treats an arm64 entry without a variant as v8", () => {
    const plain: ImageIndex = {
      ...index,
      manifests: [entry(8, { os: "linux", architecture: "arm64" })],
    };
    expect(selectPlatform(plain, { os: "linux", architecture: "arm64", variant: "v8" }).size).toBe(
      108,
    );
  });

  it("lists what the index has when the platform is missing", () => {
    let thrown: unknown;
    try {
      selectPlatform(index, "linux/s390x", "ghcr.io/a/b:v1");
    } catch (err) {
      thrown = err;
    }
    expect(isOciError(thrown, "PLATFORM_NOT_FOUND")).toBe(true);
    expect((thrown as Error).message).toBe(
      "ghcr.io/a/b:v1: no manifest for linux/s390x; it has linux/arm64/v8, linux/amd64, linux/arm/v6, linux/arm/v7, windows/amd64, unknown/unknown",
    );
  });

  it.each(["linux", "linux/", "/amd64", "linux/arm/v7/x", "linux/arm/"])(
    "refuses the platform %j",
    (text) => {
      expect(() => parsePlatform(text)).toThrow(/is not os\/architecture\[\/variant\]/);
    },
  );
});
