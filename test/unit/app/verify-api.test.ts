import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { createApp } from "../../../src/http/app.ts";
import { MAX_VERIFY_IMAGES } from "../../../src/http/verify-request.ts";
import {
  freshKey,
  HOST,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  SLSA,
  world,
} from "../engine/core/world.ts";

async function setup() {
  const w = world();
  const key = await freshKey();
  const signed = await pushSigned(
    w.registry,
    "app",
    "v1",
    [key],
    [{ key, predicate: { builder: { id: "ci" } } }],
  );
  const other = await pushSigned(w.registry, "other", "v1", [await freshKey()]);
  const loaded = policies({
    name: "sigs",
    entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
  });
  const app = createApp({
    fetch: () => Promise.reject(new Error("no network in app tests")),
    clock: w.clock,
    logger: silentLogger,
    sha256: nobleSha256,
    engine: { policies: loaded, client: w.client, trust: w.trust, clock: w.clock, cache: w.cache },
    // Callers, images and inline entries are limited in http-boundary.test.ts.
    auth: { mode: "unauthenticated" },
    verifyApi: { anyImage: true, inlinePolicy: true },
  });
  const post = async (body: unknown) => {
    const res = await app.request("/verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  return { key, signed, other, post, app };
}

describe("POST /verify", () => {
  it("verifies images against a loaded policy named in the body", async () => {
    const { signed, other, post } = await setup();
    const { status, body } = await post({ images: [image("app"), image("other")], policy: "sigs" });
    expect(status).toBe(200);
    const [app, rejected] = body.results;
    expect(app).toMatchObject({ image: image("app"), digest: signed, verified: true });
    expect(app.error).toBeUndefined();
    expect(app.checks).toEqual([
      expect.objectContaining({ policy: "sigs", rule: "r0", status: "pass" }),
    ]);
    expect(rejected).toMatchObject({
      image: image("other"),
      digest: other,
      verified: false,
      error: {
        code: "NOT_VERIFIED",
        message: expect.stringContaining(`failed to verify image ${HOST}/other:v1`),
      },
    });
  });

  it("verifies against an inline verifyImages entry, attestations included", async () => {
    const { key, post } = await setup();
    const attestors = [{ entries: [keyEntry(key)] }];
    const attestations = [
      {
        type: SLSA,
        attestors,
        conditions: [{ all: [{ key: "{{ builder.id }}", operator: "Equals", value: "ci" }] }],
      },
    ];
    const ok = await post({ images: [image("app")], attestors, attestations });
    expect(ok.body.results[0]).toMatchObject({ verified: true });
    const wrongBuilder = attestations.map((a) => ({
      ...a,
      conditions: [{ all: [{ key: "{{ builder.id }}", operator: "Equals", value: "laptop" }] }],
    }));
    const no = await post({ images: [image("app")], attestations: wrongBuilder });
    expect(no.body.results[0]).toMatchObject({ verified: false, error: { code: "NOT_VERIFIED" } });
  });

  it("reports an image the registry does not have as not verified, not as a crash", async () => {
    const { post } = await setup();
    const { status, body } = await post({ images: [image("missing")], policy: "sigs" });
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ image: image("missing"), verified: false });
    expect(body.results[0].error.message).toContain("missing");
  });

  it.each([
    ["not JSON", "{", 400, "VERIFY_BAD_REQUEST"],
    ["an array", "[]", 400, "VERIFY_BAD_REQUEST"],
    ["no images", { images: [], policy: "sigs" }, 400, "VERIFY_NO_IMAGES"],
    ["images not strings", { images: [1], policy: "sigs" }, 400, "VERIFY_BAD_REQUEST"],
    [
      "a bad reference",
      { images: ["UPPER/Case:!"], policy: "sigs" },
      400,
      "VERIFY_INVALID_REFERENCE",
    ],
    ["an unknown policy", { images: ["a/b:c"], policy: "nope" }, 404, "VERIFY_UNKNOWN_POLICY"],
    [
      "a policy and an entry",
      { images: ["a/b:c"], policy: "sigs", attestors: [] },
      400,
      "VERIFY_BAD_REQUEST",
    ],
    ["neither policy nor entry", { images: ["a/b:c"] }, 400, "VERIFY_BAD_REQUEST"],
    [
      "an invalid inline entry",
      { images: ["a/b:c"], attestors: "keys" },
      400,
      "VERIFY_INVALID_POLICY",
    ],
  ])("refuses %s with a coded 4xx", async (_what, body, status, code) => {
    const { post } = await setup();
    const res = await post(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).not.toBe("");
  });

  it("lists every bad reference and every bad inline field by its path in the body", async () => {
    const { post } = await setup();
    const refs = await post({ images: ["a/b:c", "UPPER/Case:!", "x@sha256:12"], policy: "sigs" });
    expect(refs.status).toBe(400);
    expect(refs.body.error.issues).toEqual([
      { path: "images[1]", message: expect.stringContaining("UPPER/Case:!") },
      { path: "images[2]", message: expect.any(String) },
    ]);
    expect(refs.body.error.message).toContain("(and 1 more)");
    const inline = await post({
      images: ["a/b:c"],
      attestors: [{ entries: [{ keys: { publicKeys: 7 } }] }],
      bogus: true,
    });
    expect(inline.status).toBe(400);
    expect(inline.body.error.issues).toEqual([
      { path: "bogus", message: "unknown field" },
      {
        path: "attestors[0].entries[0].keys.publicKeys",
        message: expect.stringContaining("must be a string"),
      },
    ]);
  });

  it("counts each call in /metrics by verdict, with its latency and registry calls", async () => {
    const { post, app } = await setup();
    await post({ images: [image("app")], policy: "sigs" });
    await post({ images: [image("app"), image("other")], policy: "sigs" });
    await post({ images: [], policy: "sigs" });
    await post({ images: ["a/b:c"], policy: "x".repeat(300 * 1024) });
    const text = await (await app.request("/metrics")).text();
    const sample = (series: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(`${series} `))
          ?.slice(series.length + 1),
      );
    expect(sample('imgverify_verify_requests_total{verdict="verified"}')).toBe(1);
    expect(sample('imgverify_verify_requests_total{verdict="unverified"}')).toBe(1);
    expect(sample('imgverify_verify_requests_total{verdict="invalid"}')).toBe(2);
    expect(sample('imgverify_verify_requests_total{verdict="error"}')).toBe(0);
    expect(sample("imgverify_verify_duration_seconds_count")).toBe(4);
    expect(sample('imgverify_verify_duration_seconds_bucket{le="+Inf"}')).toBe(4);
    expect(sample("imgverify_registry_requests_total")).toBeGreaterThan(0);
    expect(sample('imgverify_admissions_total{route="validate",verdict="allowed"}')).toBe(0);
  });

  it("refuses a body over its size bound with 413", async () => {
    const { post } = await setup();
    const res = await post({ images: ["a/b:c"], policy: "x".repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it(`refuses more than ${MAX_VERIFY_IMAGES} images`, async () => {
    const { post } = await setup();
    const images = Array.from({ length: MAX_VERIFY_IMAGES + 1 }, (_, i) => image(`r${i}`));
    const res = await post({ images, policy: "sigs" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VERIFY_TOO_MANY_IMAGES");
  });
});
