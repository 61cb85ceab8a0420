import { describe, expect, it } from "vitest";
import {
  AdmissionError,
  applyJsonPatch,
  digestPinPatch,
  type ExtractedImage,
  extractImages,
  formatPointer,
  isAdmissionError,
  type JsonPatchOperation,
  jsonEqual,
  parsePointer,
  parseVerifyImages,
  parseVerifyImagesScoped,
  verifyImagesAnnotationPatches,
} from "../../../src/admission/index.ts";

const DIGEST = `sha256:${"c".repeat(64)}`;

function failure(run: () => unknown): AdmissionError {
  try {
    run();
  } catch (err) {
    if (err instanceof AdmissionError) return err;
    throw err;
  }
  throw new Error("no error");
}

const deployment = {
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop" },
  spec: {
    template: {
      spec: {
        containers: [
          { name: "app", image: "Registry.Example.com:443/team/app:v1.2" },
          { name: "pinned", image: `nginx:1.27@${DIGEST}` },
          { name: "bare", image: "nginx" },
        ],
      },
    },
  },
};

describe("digestPinPatch", () => {
  const images = extractImages(deployment).images;
  const image = (index: number): ExtractedImage => {
    const found = images[index];
    if (found === undefined) throw new Error(`no image ${index}`);
    return found;
  };
  const [app, pinned, bare] = [image(0), image(1), image(2)];

  it("appends the digest to the image as written", () => {
    expect(digestPinPatch(app, DIGEST)).toEqual({
      op: "replace",
      path: "/spec/template/spec/containers/0/image",
      value: `Registry.Example.com:443/team/app:v1.2@${DIGEST}`,
    });
    expect(digestPinPatch(bare, DIGEST)?.value).toBe(`nginx@${DIGEST}`);
  });

  it("leaves an image that names a digest alone", () => {
    expect(digestPinPatch(pinned, `sha256:${"d".repeat(64)}`)).toBeUndefined();
  });

  it("refuses a digest that is not one", () => {
    const error = failure(() => digestPinPatch(app, "sha256:short"));
    expect(error.code).toBe("PATCH_INVALID");
    expect(error.message).toBe(
      'cannot pin image "Registry.Example.com:443/team/app:v1.2" at /spec/template/spec/containers/0/image to "sha256:short": a sha256 digest is 64 lower-case hex characters',
    );
  });

  it("pins every tagged image of a deployment when applied", () => {
    const patch = images.flatMap((image) => digestPinPatch(image, DIGEST) ?? []);
    const patched = applyJsonPatch(deployment, patch);
    const again = extractImages(patched).images;
    expect(again.map((i) => i.image)).toEqual([
      `Registry.Example.com:443/team/app:v1.2@${DIGEST}`,
      `nginx:1.27@${DIGEST}`,
      `nginx@${DIGEST}`,
    ]);
    expect(again.map((i) => i.info.digest)).toEqual([DIGEST, DIGEST, DIGEST]);
    expect(deployment.spec.template.spec.containers[0]?.image).toBe(
      "Registry.Example.com:443/team/app:v1.2",
    );
  });
});

describe("verifyImagesAnnotationPatches", () => {
  const scope = { namespace: "", policy: "check-images", rule: "verify" };
  const pass = { image: "ghcr.io/acme/app:v1", status: "pass" as const, scope };
  const passScoped =
    '{"version":1,"policies":{"/check-images":{"verify":{"ghcr.io/acme/app:v1":"pass"}}}}';
  const annotationsOf = (object: unknown, patch: JsonPatchOperation[]): Record<string, string> =>
    (applyJsonPatch(object, patch) as { metadata: { annotations: Record<string, string> } })
      .metadata.annotations;

  it("adds the whole annotations map when the object has none, with ~1 for / in keys", () => {
    const values = {
      "kyverno.io/verify-images": '{"ghcr.io/acme/app:v1":"pass"}',
      "kyverno.io/verify-images-scoped": passScoped,
    };
    const pod = { kind: "Pod", metadata: { name: "web" } };
    expect(verifyImagesAnnotationPatches(pod, [pass])).toEqual([
      { op: "add", path: "/metadata/annotations", value: values },
    ]);
    const withAnnotations = { kind: "Pod", metadata: { name: "web", annotations: { team: "a" } } };
    expect(verifyImagesAnnotationPatches(withAnnotations, [pass])).toEqual([
      {
        op: "add",
        path: "/metadata/annotations/kyverno.io~1verify-images",
        value: values["kyverno.io/verify-images"],
      },
      {
        op: "add",
        path: "/metadata/annotations/kyverno.io~1verify-images-scoped",
        value: passScoped,
      },
    ]);
    expect(verifyImagesAnnotationPatches({ kind: "Pod" }, [pass])).toEqual([
      { op: "add", path: "/metadata", value: { annotations: values } },
    ]);
    expect(verifyImagesAnnotationPatches(pod, [])).toEqual([]);
  });

  it("overwrites what the requester wrote, as Kyverno does: a forged pass does not survive", () => {
    const forged = JSON.stringify({ "z.io/old:1": "pass", "ghcr.io/acme/app:v1": "pass" });
    const forgedScoped =
      '{"version":1,"policies":{"/check-images":{"verify":{"z.io/old:1":"pass"}}}}';
    const pod = {
      metadata: {
        annotations: {
          team: "a",
          "kyverno.io/verify-images": forged,
          "kyverno.io/verify-images-scoped": forgedScoped,
        },
      },
    };
    const failed = { image: "ghcr.io/acme/app:v1", status: "fail" as const, scope };
    const annotations = annotationsOf(pod, verifyImagesAnnotationPatches(pod, [failed]));
    expect(annotations).toEqual({
      team: "a",
      "kyverno.io/verify-images": '{"ghcr.io/acme/app:v1":"fail"}',
      "kyverno.io/verify-images-scoped":
        '{"version":1,"policies":{"/check-images":{"verify":{"ghcr.io/acme/app:v1":"fail"}}}}',
    });
    expect(parseVerifyImages(annotations["kyverno.io/verify-images"])).not.toHaveProperty(
      "z.io/old:1",
    );
  });

  it("writes JSON as Go does: keys sorted, <, > and & escaped", () => {
    const records = [pass, { image: "a.io/x<y>&z:1", status: "skip" as const, scope }];
    const [op] = verifyImagesAnnotationPatches({ metadata: {} }, records);
    expect(op).toMatchObject({
      value: {
        "kyverno.io/verify-images":
          '{"a.io/x\\u003cy\\u003e\\u0026z:1":"skip","ghcr.io/acme/app:v1":"pass"}',
      },
    });
  });

  it("records scoped results by namespace/policy and rule: /name for a ClusterPolicy", () => {
    const records = [
      { ...pass, scope: { namespace: "", policy: "check-images", rule: "autogen-verify" } },
      {
        image: "b.io/y:2",
        status: "fail" as const,
        scope: { namespace: "shop", policy: "local", rule: "verify" },
      },
    ];
    const pod = { metadata: { annotations: {} } };
    const patch = verifyImagesAnnotationPatches(pod, records);
    expect(patch).toEqual([
      {
        op: "add",
        path: "/metadata/annotations/kyverno.io~1verify-images",
        value: '{"b.io/y:2":"fail","ghcr.io/acme/app:v1":"pass"}',
      },
      {
        op: "add",
        path: "/metadata/annotations/kyverno.io~1verify-images-scoped",
        value:
          '{"version":1,"policies":{"/check-images":{"autogen-verify":{"ghcr.io/acme/app:v1":"pass"}},"shop/local":{"verify":{"b.io/y:2":"fail"}}}}',
      },
    ]);
    const annotations = annotationsOf(pod, patch);
    const scoped = parseVerifyImagesScoped(annotations["kyverno.io/verify-images-scoped"]);
    expect(scoped["shop/local"]?.verify?.["b.io/y:2"]).toBe("fail");
    expect(parseVerifyImages(annotations["kyverno.io/verify-images"])).toEqual({
      "b.io/y:2": "fail",
      "ghcr.io/acme/app:v1": "pass",
    });
  });

  it("reads only well-formed values", () => {
    expect(parseVerifyImages(undefined)).toEqual({});
    expect(parseVerifyImages('["a"]')).toEqual({});
    expect(parseVerifyImagesScoped('{"version":2,"policies":{}}')).toEqual({});
    expect(
      parseVerifyImagesScoped('{"version":1,"policies":{"/p":{"r":{"i":"pass","j":1}}}}'),
    ).toEqual({
      "/p": { r: { i: "pass" } },
    });
  });
});

describe("JSON pointers", () => {
  it("escape ~ and / and parse back", () => {
    const pointer = formatPointer(["metadata", "annotations", "kyverno.io/verify~images", 0]);
    expect(pointer).toBe("/metadata/annotations/kyverno.io~1verify~0images/0");
    expect(parsePointer(pointer)).toEqual([
      "metadata",
      "annotations",
      "kyverno.io/verify~images",
      "0",
    ]);
    expect(parsePointer("")).toEqual([]);
    expect(parsePointer("/")).toEqual([""]);
  });

  it("refuse text that is not a pointer", () => {
    for (const bad of ["spec", "/a~2b", "/a~"]) {
      expect(failure(() => parsePointer(bad)).code).toBe("PATCH_INVALID");
    }
  });
});

describe("applyJsonPatch", () => {
  const doc = { a: { b: [1, 2, 3] }, c: "x" };

  it("applies add, replace, remove and test without touching the input", () => {
    const patch: JsonPatchOperation[] = [
      { op: "test", path: "/c", value: "x" },
      { op: "add", path: "/a/b/1", value: 9 },
      { op: "add", path: "/a/b/-", value: 4 },
      { op: "replace", path: "/c", value: { d: true } },
      { op: "remove", path: "/a/b/0" },
      { op: "add", path: "/e", value: null },
      { op: "test", path: "/a", value: { b: [9, 2, 3, 4] } },
    ];
    expect(applyJsonPatch(doc, patch)).toEqual({ a: { b: [9, 2, 3, 4] }, c: { d: true }, e: null });
    expect(doc).toEqual({ a: { b: [1, 2, 3] }, c: "x" });
    expect(applyJsonPatch(doc, [{ op: "replace", path: "", value: [1] }])).toEqual([1]);
  });

  it("names the operation that fails", () => {
    const cases: [JsonPatchOperation, string][] = [
      [{ op: "test", path: "/c", value: "y" }, 'patch operation 0 (test "/c"): the value differs'],
      [
        { op: "replace", path: "/z", value: 1 },
        'patch operation 0 (replace "/z"): "z" does not exist',
      ],
      [
        { op: "remove", path: "/a/b/3" },
        'patch operation 0 (remove "/a/b/3"): "3" is not an index of a list of 3',
      ],
      [
        { op: "add", path: "/a/b/01", value: 1 },
        'patch operation 0 (add "/a/b/01"): "01" is not an index of a list of 3',
      ],
      [{ op: "add", path: "/x/y", value: 1 }, 'patch operation 0 (add "/x/y"): "x" does not exist'],
      [
        { op: "add", path: "/c/y", value: 1 },
        'patch operation 0 (add "/c/y"): a path runs through a value that is not an object or list',
      ],
      [
        { op: "remove", path: "" },
        'patch operation 0 (remove ""): cannot remove the whole document',
      ],
    ];
    for (const [operation, message] of cases) {
      const error = failure(() => applyJsonPatch(doc, [operation]));
      expect(isAdmissionError(error, "PATCH_FAILED")).toBe(true);
      expect(error.message).toBe(message);
    }
  });

  it("adds a __proto__ key as data, not as a prototype", () => {
    const patched = applyJsonPatch({}, [
      { op: "add", path: "/__proto__", value: { polluted: true } },
    ]) as Record<string, unknown>;
    expect(Object.keys(patched)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((patched as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("compares JSON values by content", () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual("1", 1)).toBe(false);
  });
});
