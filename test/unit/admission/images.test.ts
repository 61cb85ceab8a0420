import { describe, expect, it } from "vitest";
import {
  type ExtractedImage,
  extractImages,
  type ImageExtractors,
  imagesVariable,
  MAX_IMAGES,
} from "../../../src/admission/index.ts";

const DIGEST = `sha256:${"b".repeat(64)}`;

const POD_SPEC = {
  imagePullSecrets: [{ name: "regcred" }],
  initContainers: [{ name: "setup", image: "busybox" }],
  containers: [
    { name: "app", image: "ghcr.io/acme/app:v1" },
    { name: "proxy", image: `registry.local:5000/envoy@${DIGEST}` },
  ],
  ephemeralContainers: [{ name: "debug", image: "nicolaka/netshoot:v0.13" }],
};

function workload(kind: string): Record<string, unknown> {
  if (kind === "Pod") return { kind, spec: POD_SPEC };
  const template = { metadata: { labels: { app: "x" } }, spec: POD_SPEC };
  if (kind === "CronJob")
    return { kind, spec: { schedule: "@daily", jobTemplate: { spec: { template } } } };
  return { kind, spec: { template } };
}

function summary(images: readonly ExtractedImage[]): [string, string, string, string][] {
  return images.map((i) => [i.group, i.name, i.path, i.image]);
}

describe("extractImages from pod specs", () => {
  const cases: [string, string][] = [
    ["Pod", "/spec"],
    ["Deployment", "/spec/template/spec"],
    ["ReplicaSet", "/spec/template/spec"],
    ["StatefulSet", "/spec/template/spec"],
    ["DaemonSet", "/spec/template/spec"],
    ["Job", "/spec/template/spec"],
    ["ReplicationController", "/spec/template/spec"],
    ["CronJob", "/spec/jobTemplate/spec/template/spec"],
  ];
  it.each(cases)("finds every container list of a %s under %s", (kind, spec) => {
    const { images, problems } = extractImages(workload(kind));
    expect(problems).toEqual([]);
    expect(summary(images)).toEqual([
      ["initContainers", "setup", `${spec}/initContainers/0/image`, "busybox"],
      ["containers", "app", `${spec}/containers/0/image`, "ghcr.io/acme/app:v1"],
      ["containers", "proxy", `${spec}/containers/1/image`, `registry.local:5000/envoy@${DIGEST}`],
      [
        "ephemeralContainers",
        "debug",
        `${spec}/ephemeralContainers/0/image`,
        "nicolaka/netshoot:v0.13",
      ],
    ]);
    expect(images.every((i) => i.pullSecrets.join() === "regcred")).toBe(true);
  });

  it("reads each image the Kyverno way and the registry way", () => {
    const [busybox, app, proxy] = extractImages(workload("Pod")).images;
    expect(busybox?.info).toEqual({
      registry: "docker.io",
      path: "busybox",
      name: "busybox",
      tag: "latest",
      digest: "",
      reference: "docker.io/busybox:latest",
      referenceWithTag: "docker.io/busybox:latest",
    });
    expect(busybox?.reference).toEqual({
      registry: "docker.io",
      repository: "library/busybox",
      tag: "latest",
      digest: undefined,
    });
    expect(app?.info.reference).toBe("ghcr.io/acme/app:v1");
    expect(proxy?.info).toMatchObject({
      registry: "registry.local:5000",
      path: "envoy",
      tag: "",
      digest: DIGEST,
      reference: `registry.local:5000/envoy@${DIGEST}`,
    });
  });

  it("shares each image string's parse between objects, frozen so no caller changes another's", () => {
    const [first] = extractImages(workload("Pod")).images;
    const [again] = extractImages(workload("Deployment")).images;
    expect(again?.info).toBe(first?.info);
    expect(again?.reference).toBe(first?.reference);
    expect(Object.isFrozen(first?.info)).toBe(true);
    expect(Object.isFrozen(first?.reference)).toBe(true);
    // A reference that does not parse is reported each time, never remembered as an image.
    const bad = { kind: "Pod", spec: { containers: [{ name: "x", image: "UPPER/Case:v1" }] } };
    for (let i = 0; i < 2; i++) {
      expect(extractImages(bad)).toMatchObject({
        images: [],
        problems: [{ image: "UPPER/Case:v1" }],
      });
    }
  });

  it("takes the kind from the caller, and finds nothing in kinds it does not know", () => {
    expect(extractImages({ spec: POD_SPEC }, { kind: "Pod" }).images).toHaveLength(4);
    expect(extractImages({ kind: "ConfigMap", spec: POD_SPEC })).toEqual({
      images: [],
      found: 0,
      problems: [],
    });
    expect(extractImages("not an object")).toEqual({ images: [], found: 0, problems: [] });
  });

  it("reports bad references and odd fields at their paths and keeps the rest", () => {
    const spec = {
      containers: [
        { name: "upper", image: "Docker.io/Library/Nginx" },
        { name: "ok", image: "nginx:1.27" },
        { name: "tag", image: "nginx:bad tag" },
        { name: "digest", image: "nginx@sha256:abc" },
        { name: "blank", image: "  " },
        { name: "absent" },
        { image: "nameless:1" },
        "not a container",
      ],
      initContainers: "setup",
    };
    const { images, problems } = extractImages({ kind: "Pod", spec });
    expect(summary(images)).toEqual([
      ["containers", "ok", "/spec/containers/1/image", "nginx:1.27"],
    ]);
    expect(problems).toEqual([
      { path: "/spec/initContainers", message: "expected a list or an object, found a string" },
      {
        path: "/spec/containers/0/image",
        image: "Docker.io/Library/Nginx",
        message:
          'invalid image reference "Docker.io/Library/Nginx": the repository name must be lower case',
      },
      {
        path: "/spec/containers/2/image",
        image: "nginx:bad tag",
        message: expect.stringContaining('the tag "bad tag" is not valid'),
      },
      {
        path: "/spec/containers/3/image",
        image: "nginx@sha256:abc",
        message:
          'invalid image reference "nginx@sha256:abc": a sha256 digest is 64 lower-case hex characters',
      },
      { path: "/spec/containers/6/name", message: 'the image\'s name field "name" is missing' },
      { path: "/spec/containers/7", message: "expected an object, found a string" },
    ]);
  });
});

describe("extractImages with imageExtractors", () => {
  const task = {
    kind: "Task",
    spec: {
      steps: [
        { name: "build", image: "ghcr.io/acme/builder:1" },
        { name: "push", image: "ghcr.io/acme/pusher:1" },
      ],
      sidecars: { cache: { image: "redis:7" }, "a/b~c": { image: "busybox:1" } },
      tools: [{ ref: "docker://ghcr.io/acme/tool:2" }],
    },
  };

  it("walks a path with * whose last segment is the image field (Kyverno's simple form)", () => {
    const extractors: ImageExtractors = {
      Task: [
        {
          path: "/spec/steps/*/image",
          value: undefined,
          name: undefined,
          key: undefined,
          jmesPath: undefined,
        },
      ],
    };
    expect(summary(extractImages(task, { imageExtractors: extractors }).images)).toEqual([
      ["custom", "/spec/steps/0/image", "/spec/steps/0/image", "ghcr.io/acme/builder:1"],
      ["custom", "/spec/steps/1/image", "/spec/steps/1/image", "ghcr.io/acme/pusher:1"],
    ]);
  });

  it("uses value, key, name and jmesPath, and * over an object's keys", () => {
    const extractors: ImageExtractors = {
      Task: [
        { path: "/spec/steps/*", value: "image", key: "name", name: "steps", jmesPath: undefined },
        {
          path: "/spec/sidecars/*",
          value: "image",
          key: undefined,
          name: "sidecars",
          jmesPath: undefined,
        },
        {
          path: "/spec/tools/*",
          value: "ref",
          key: undefined,
          name: "tools",
          jmesPath: "trim_prefix(@, 'docker://')",
        },
      ],
    };
    const { images, problems } = extractImages(task, { imageExtractors: extractors });
    expect(problems).toEqual([]);
    expect(summary(images)).toEqual([
      ["steps", "build", "/spec/steps/0/image", "ghcr.io/acme/builder:1"],
      ["steps", "push", "/spec/steps/1/image", "ghcr.io/acme/pusher:1"],
      ["sidecars", "/spec/sidecars/cache/image", "/spec/sidecars/cache/image", "redis:7"],
      ["sidecars", "/spec/sidecars/a~1b~0c/image", "/spec/sidecars/a~1b~0c/image", "busybox:1"],
      ["tools", "/spec/tools/0/ref", "/spec/tools/0/ref", "ghcr.io/acme/tool:2"],
    ]);
  });

  it("replace the pod spec lists for the kind they name only", () => {
    const extractors: ImageExtractors = {
      Pod: [
        {
          path: "/spec/containers/*/image",
          value: undefined,
          name: "only",
          key: "name",
          jmesPath: undefined,
        },
      ],
    };
    const pod = { kind: "Pod", spec: POD_SPEC };
    expect(summary(extractImages(pod, { imageExtractors: extractors }).images)).toEqual([
      ["only", "app", "/spec/containers/0/image", "ghcr.io/acme/app:v1"],
      ["only", "proxy", "/spec/containers/1/image", `registry.local:5000/envoy@${DIGEST}`],
    ]);
    const deployment = workload("Deployment");
    expect(extractImages(deployment, { imageExtractors: extractors }).images).toHaveLength(4);
  });

  it("reports a jmesPath that fails or gives no string, and an empty extractor list", () => {
    const extractors: ImageExtractors = {
      Task: [
        {
          path: "/spec/steps/*/image",
          value: undefined,
          name: "n",
          key: undefined,
          jmesPath: "length(@)",
        },
        {
          path: "/spec/tools/*/ref",
          value: undefined,
          name: "t",
          key: undefined,
          jmesPath: "nope(",
        },
      ],
    };
    const { images, problems } = extractImages(task, { imageExtractors: extractors });
    expect(images).toEqual([]);
    expect(problems.map((p) => [p.path, p.message.slice(0, 39)])).toEqual([
      ["/spec/steps/0/image", 'jmesPath "length(@)" gave a number, not'],
      ["/spec/steps/1/image", 'jmesPath "length(@)" gave a number, not'],
      ["/spec/tools/0/ref", 'invalid JMESPath "nope(": Syntax error:'],
    ]);
    expect(extractImages(task, { imageExtractors: { Task: [] } }).problems).toEqual([
      { path: "", message: "imageExtractors for Task is empty" },
    ]);
  });
});

describe("imagesVariable", () => {
  it("builds Kyverno's images.<group>.<name> map", () => {
    const { images } = extractImages(workload("Deployment"));
    const variable = imagesVariable(images);
    expect(Object.keys(variable)).toEqual(["initContainers", "containers", "ephemeralContainers"]);
    expect(variable.containers?.proxy).toEqual({
      registry: "registry.local:5000",
      path: "envoy",
      name: "envoy",
      digest: DIGEST,
      reference: `registry.local:5000/envoy@${DIGEST}`,
      referenceWithTag: "registry.local:5000/envoy:",
      jsonPointer: "/spec/template/spec/containers/1/image",
      imagePullSecrets: ["regcred"],
    });
    expect(variable.initContainers?.setup).toMatchObject({
      tag: "latest",
      reference: "docker.io/busybox:latest",
    });
  });

  it("keeps a key named __proto__ as a plain entry", () => {
    const pod = { kind: "Pod", spec: { containers: [{ name: "__proto__", image: "nginx" }] } };
    const variable = imagesVariable(extractImages(pod).images);
    expect(Object.keys(variable.containers ?? {})).toEqual(["__proto__"]);
    expect(JSON.stringify(variable)).toContain('"__proto__":{"name":"nginx"');
  });
});

describe("extractImages on hostile shapes", () => {
  it("reads only own fields, so inherited names find nothing", () => {
    const spec = { containers: [{ name: "a", image: "nginx" }] };
    expect(extractImages({ kind: "constructor", spec })).toEqual({
      images: [],
      found: 0,
      problems: [],
    });
    expect(extractImages({ kind: "toString", spec }, { imageExtractors: {} }).images).toEqual([]);
    const extractors: ImageExtractors = {
      Task: [
        {
          path: "/constructor/*/image",
          value: undefined,
          name: undefined,
          key: "toString",
          jmesPath: undefined,
        },
      ],
    };
    expect(extractImages({ kind: "Task" }, { imageExtractors: extractors })).toEqual({
      images: [],
      found: 0,
      problems: [],
    });
  });

  it("collects pull secrets from every level on the way", () => {
    const pod = {
      kind: "Pod",
      spec: {
        imagePullSecrets: [{ name: "outer" }, { nope: 1 }],
        containers: [{ name: "a", image: "nginx", imagePullSecrets: [{ name: "inner" }] }],
      },
    };
    expect(extractImages(pod).images[0]?.pullSecrets).toEqual(["outer", "inner"]);
  });

  it(`reads ${MAX_IMAGES} images and counts every one past them`, () => {
    const containers = Array.from({ length: MAX_IMAGES + 2 }, (_, i) => ({
      name: `c${i}`,
      image: "nginx",
    }));
    const { images, found, problems } = extractImages({ kind: "Pod", spec: { containers } });
    expect(images).toHaveLength(MAX_IMAGES);
    expect(found).toBe(MAX_IMAGES + 2);
    expect(problems).toEqual([]);
  });
});
