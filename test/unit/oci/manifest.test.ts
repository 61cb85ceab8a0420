import { describe, expect, it } from "vitest";
import { parseManifest } from "../../../src/oci/content/manifest.ts";
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
} from "../../../src/oci/content/media-types.ts";

const D = `sha256:${"e".repeat(64)}`;
const descriptor = { mediaType: "application/vnd.oci.image.config.v1+json", digest: D, size: 2 };
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe("parseManifest", () => {
  it("takes the JSON's media type over the Content-Type", () => {
    const parsed = parseManifest(
      bytes({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: descriptor, layers: [] }),
      OCI_MANIFEST,
    );
    expect(parsed).toMatchObject({ mediaType: DOCKER_MANIFEST });
  });

  it("falls back to the Content-Type, then to the shape", () => {
    const list = bytes({ schemaVersion: 2, manifests: [] });
    expect(parseManifest(list, DOCKER_MANIFEST_LIST)).toMatchObject({
      mediaType: DOCKER_MANIFEST_LIST,
    });
    expect(parseManifest(list, "application/json")).toMatchObject({ mediaType: OCI_INDEX });
    expect(
      parseManifest(bytes({ schemaVersion: 2, config: descriptor, layers: [] }), undefined),
    ).toMatchObject({
      mediaType: OCI_MANIFEST,
    });
  });

  it("deep-freezes the result", () => {
    const parsed = parseManifest(
      bytes({ schemaVersion: 2, config: descriptor, layers: [descriptor] }),
      undefined,
    );
    if ("code" in parsed) throw new Error(parsed.detail);
    expect(Object.isFrozen(parsed.manifest)).toBe(true);
    expect(Object.isFrozen((parsed.manifest as { layers: object[] }).layers[0])).toBe(true);
  });

  it("checks subjects, annotations, platforms and artifact types", () => {
    const parsed = parseManifest(
      bytes({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        artifactType: 5,
        annotations: { a: 1 },
        subject: { mediaType: OCI_MANIFEST, digest: D },
        manifests: [{ ...descriptor, platform: { os: "linux" }, artifactType: [] }, "x"],
      }),
      undefined,
    );
    expect(parsed).toEqual({
      code: "MANIFEST_INVALID",
      detail: [
        "artifactType is not a string",
        "annotations is not a map of strings",
        "subject.size is not a whole number >= 0",
        "manifests[0].artifactType is not a string",
        "manifests[0].platform lacks os or architecture",
        "manifests[1] is not an object",
      ].join("; "),
    });
  });

  it.each([
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), /not JSON/],
    ["an array", bytes([]), /not a JSON object/],
    [
      "schemaVersion 3",
      bytes({ schemaVersion: 3, config: descriptor, layers: [] }),
      /schemaVersion is not 2/,
    ],
    ["a schema 1 manifest", bytes({ schemaVersion: 1, fsLayers: [] }), /schema 1/],
  ])("refuses %s", (_label, input, problem) => {
    const parsed = parseManifest(input, undefined);
    expect("detail" in parsed && parsed.detail).toMatch(problem);
  });
});
