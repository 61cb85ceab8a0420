/**
 * Requests that once slipped past the policies: an ephemeral container added
 * by `kubectl debug`, image references spelt so that a glob missed them,
 * images past the extraction cap, and kinds named after Object.prototype.
 */
import { describe, expect, it } from "vitest";
import { decodeAdmissionReview, MAX_IMAGES } from "../../../src/admission/index.ts";
import {
  admission,
  evaluate,
  freshKey,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  REVIEW_UID,
  reviewJson,
  world,
} from "./core/world.ts";

type Key = Awaited<ReturnType<typeof freshKey>>;
const signedBy = (key: Key, refs: string[] = REFS, extra: Record<string, unknown> = {}) => ({
  imageReferences: refs,
  attestors: [{ entries: [keyEntry(key)] }],
  ...extra,
});

/** The PATCH of pods/ephemeralcontainers that `kubectl debug -it web --image=IMAGE` sends. */
function debugReview(appImage: string, debugImage: string): Record<string, unknown> {
  const pod = (ephemeral: boolean) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "shop", uid: "8c1e2f4a-0000-4000-8000-000000000001" },
    spec: {
      containers: [{ name: "app", image: appImage }],
      ...(ephemeral && {
        ephemeralContainers: [
          {
            name: "debugger-x7k2p",
            image: debugImage,
            imagePullPolicy: "IfNotPresent",
            stdin: true,
            tty: true,
            terminationMessagePolicy: "File",
          },
        ],
      }),
    },
    status: { phase: "Running" },
  });
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: REVIEW_UID,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      subResource: "ephemeralcontainers",
      requestKind: { group: "", version: "v1", kind: "Pod" },
      requestResource: { group: "", version: "v1", resource: "pods" },
      requestSubResource: "ephemeralcontainers",
      name: "web",
      namespace: "shop",
      operation: "UPDATE",
      userInfo: { username: "alice", groups: ["system:authenticated"] },
      object: pod(true),
      oldObject: pod(false),
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "UpdateOptions" },
    },
  };
}

describe("kubectl debug (pods/ephemeralcontainers)", () => {
  it("denies an unsigned ephemeral container added to a running pod", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    await pushSigned(w.registry, "busybox", "v1", []);
    const request = decodeAdmissionReview(debugReview(image("app"), image("busybox")));
    expect(request.subResource).toBe("ephemeralcontainers");
    for (const kinds of [["Pod"], ["Pod/ephemeralcontainers"]]) {
      const loaded = policies({ rules: [{ name: "r", entries: [signedBy(key)], kinds }] });
      const result = await evaluate(w, request, loaded);
      expect(result.allowed, kinds[0]).toBe(false);
      expect(result.message).toContain(image("busybox"));
      expect(result.results.map((r) => [r.image, r.status])).toContainEqual([
        image("busybox"),
        "fail",
      ]);
    }
  });

  it("pins a verified ephemeral container at its own JSON pointer", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const digest = await pushSigned(w.registry, "busybox", "v1", [key]);
    const request = decodeAdmissionReview(debugReview(image("app"), image("busybox")));
    const result = await evaluate(w, request, policies({ entries: [signedBy(key)] }));
    expect(result.allowed).toBe(true);
    expect(result.patch).toContainEqual({
      op: "replace",
      path: "/spec/ephemeralContainers/0/image",
      value: `${image("busybox")}@${digest}`,
    });
  });
});

describe("image references are normalised before the globs match", () => {
  const spellings: [string, string][] = [
    ["ghcr.io/org/*", "GHCR.IO/org/x"],
    ["ghcr.io/org/*", "ghcr.io:443/org/x"],
    ["ghcr.io/org/*", "Ghcr.Io/org/x:tag"],
    ["ghcr.io/org/*", `ghcr.io/org/x@sha256:${"a".repeat(64)}`],
    ["docker.io/library/*", "nginx"],
    ["docker.io/library/*", "library/nginx"],
    ["docker.io/library/*", "docker.io/nginx"],
    ["docker.io/library/*", "index.docker.io/library/nginx"],
    ["docker.io/library/*", "registry-1.docker.io/library/nginx"],
    ["docker.io/library/*", "DOCKER.IO/library/nginx"],
    ["docker.io/nginx*", "index.docker.io/library/nginx:1.27"],
  ];
  it.each(spellings)("%s matches %s, which is denied unsigned", async (glob, written) => {
    const w = world();
    const key = await freshKey();
    const loaded = policies({ entries: [signedBy(key, [glob])] });
    const result = await evaluate(w, admission([{ name: "c", image: written }]), loaded);
    expect(result.results.map((r) => r.image)).toContain(written);
    expect(result.allowed).toBe(false);
  });

  it("skips every spelling of an image a skipImageReferences glob names", async () => {
    const w = world();
    const key = await freshKey();
    const entry = signedBy(key, ["*"], { skipImageReferences: ["docker.io/library/nginx*"] });
    const loaded = policies({ entries: [entry] });
    for (const written of ["nginx", "DOCKER.IO/nginx:1.27", "index.docker.io/library/nginx"]) {
      const result = await evaluate(w, admission([{ name: "c", image: written }]), loaded);
      expect(
        result.results.map((r) => r.status),
        written,
      ).toEqual(["skip"]);
    }
  });

  it("refuses an upper-case repository path with a coded error, whatever the failure policy", async () => {
    const w = world();
    const key = await freshKey();
    const loaded = policies({ failurePolicy: "Ignore", entries: [signedBy(key, ["ghcr.io/*"])] });
    const result = await evaluate(w, admission([{ name: "c", image: "ghcr.io/Org/x" }]), loaded);
    expect(result.allowed).toBe(false);
    expect(result.results[0]?.code).toBe("IMAGE_INVALID");
    expect(result.message).toContain("ghcr.io/Org/x");
  });
});

describe("more images than the cap", () => {
  it("denies a pod with one image past the cap, under failurePolicy Ignore too", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    await pushSigned(w.registry, "evil", "v1", []);
    const containers = Array.from({ length: MAX_IMAGES }, (_, i) => ({
      name: `c${i}`,
      image: image("app"),
    }));
    containers.push({ name: "tail", image: image("evil") });
    const entry = signedBy(key, REFS, { verifyDigest: false });
    const loaded = policies({ failurePolicy: "Ignore", entries: [entry] });
    for (const mutate of [false, true]) {
      const result = await evaluate(w, admission(containers), loaded, { mutate });
      expect(result.allowed).toBe(false);
      expect(result.message).toContain(`${MAX_IMAGES + 1} images`);
      expect(result.message).toContain(`at most ${MAX_IMAGES}`);
      expect(result.patch).toEqual([]);
    }
  });
});

describe("kinds named after Object.prototype", () => {
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "a %s request matches no Pod policy and gives a clear answer",
    async (kind) => {
      const w = world();
      const key = await freshKey();
      const review = reviewJson([{ name: "c", image: image("app") }]);
      const request = review.request as Record<string, unknown>;
      request.kind = { group: "", version: "v1", kind };
      request.resource = { group: "", version: "v1", resource: kind };
      request.object = { ...(request.object as object), kind };
      const decoded = decodeAdmissionReview(JSON.parse(JSON.stringify(review)));
      const result = await evaluate(w, decoded, policies({ entries: [signedBy(key)] }));
      expect(result.allowed).toBe(true);
      expect(result.results).toEqual([]);
    },
  );

  it("keeps a __proto__ key of userInfo.extra and labels as plain data", () => {
    const review = reviewJson([{ name: "c", image: image("app") }]);
    const text = JSON.stringify(review).replace(
      '"groups":["system:authenticated"]',
      '"groups":["system:authenticated"],"extra":{"__proto__":["x"],"constructor":["y"]}',
    );
    const decoded = decodeAdmissionReview(JSON.parse(text));
    expect(Object.getPrototypeOf(decoded.userInfo.extra)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded.userInfo.extra, "__proto__")).toBe(true);
    expect(decoded.userInfo.extra.constructor).toEqual(["y"]);
  });
});
