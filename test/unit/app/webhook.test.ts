import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { answersOf } from "../../../src/engine/replay.ts";
import { createApp } from "../../../src/http/app.ts";
import { AdmissionMetrics } from "../../../src/http/metrics.ts";
import type { AdmissionObservation } from "../../../src/http/webhook.ts";
import type { RegistryClient } from "../../../src/oci/index.ts";
import type { VerifyImagesPolicy } from "../../../src/policy/index.ts";
import {
  freshKey,
  HOST,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  REVIEW_UID,
  reviewJson,
  type World,
  world,
} from "../engine/core/world.ts";

const UID = REVIEW_UID;

const review = (ref: string): Record<string, unknown> => reviewJson([{ name: "c", image: ref }]);

function appOver(w: World, loaded: VerifyImagesPolicy[], seen: AdmissionObservation[] = []) {
  return createApp({
    fetch: () => Promise.reject(new Error("no network in app tests")),
    clock: w.clock,
    logger: silentLogger,
    sha256: nobleSha256,
    engine: { policies: loaded, client: w.client, trust: w.trust, clock: w.clock, cache: w.cache },
    metrics: recording(seen),
    auth: { mode: "unauthenticated" },
  });
}

/** Metrics that also keep every observation, for assertions. */
function recording(seen: AdmissionObservation[]): AdmissionMetrics {
  const metrics = new AdmissionMetrics();
  const finished = metrics.finished.bind(metrics);
  metrics.finished = (o) => {
    seen.push(o);
    finished(o);
  };
  return metrics;
}

const post = (app: ReturnType<typeof createApp>, path: string, body: unknown) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function signedWorld() {
  const w = world();
  const key = await freshKey();
  const digest = await pushSigned(w.registry, "app", "v1", [key]);
  const loaded = policies({
    name: "sigs",
    entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
  });
  return { w, digest, loaded };
}

function decodePatch(patch: string): { op: string; path: string; value?: unknown }[] {
  return JSON.parse(
    new TextDecoder().decode(Uint8Array.from(atob(patch), (ch) => ch.charCodeAt(0))),
  );
}

describe("POST /validate and /mutate", () => {
  it("admits a signed image, with Server-Timing naming the registry calls", async () => {
    const { w, digest, loaded } = await signedWorld();
    const seen: AdmissionObservation[] = [];
    const pinned = `${image("app")}@${digest}`;
    const res = await post(appOver(w, loaded, seen), "/validate", review(pinned));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: UID, allowed: true },
    });
    const timing = res.headers.get("server-timing") ?? "";
    expect(timing).toMatch(/^total;dur=[\d.]+, engine;dur=[\d.]+;desc="parallel"/);
    expect(timing).toMatch(/budget;dur=\d+/);
    expect(timing).toMatch(/registry;desc="requests=[1-9]\d* shared=\d+"/);
    expect(seen).toMatchObject([{ route: "validate", verdict: "allowed" }]);
    expect(seen[0]?.timing?.requests).toBeGreaterThan(0);
  });

  it("patches on /mutate: the tag is pinned to the verified digest", async () => {
    const { w, digest, loaded } = await signedWorld();
    const res = await post(appOver(w, loaded), "/mutate", review(image("app")));
    const { response } = await res.json();
    expect(response).toMatchObject({ uid: UID, allowed: true, patchType: "JSONPatch" });
    expect(decodePatch(response.patch)).toContainEqual({
      op: "replace",
      path: "/spec/containers/0/image",
      value: `${image("app")}@${digest}`,
    });
  });

  it("denies an image not signed by the policy's key with Kyverno's message", async () => {
    const { w, loaded } = await signedWorld();
    const other = await pushSigned(w.registry, "other", "v1", [await freshKey()]);
    const seen: AdmissionObservation[] = [];
    const pinned = `${image("other")}@${other}`;
    const res = await post(appOver(w, loaded, seen), "/validate", review(pinned));
    expect(res.status).toBe(200);
    const { response } = await res.json();
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(403);
    expect(response.status.message).toContain(
      "resource Pod/shop/web was blocked due to the following policies",
    );
    expect(response.status.message).toContain(`failed to verify image ${HOST}/other@${other}`);
    expect(response.patch).toBeUndefined();
    expect(res.headers.get("server-timing")).toMatch(/registry;desc="requests=\d+ shared=\d+"/);
    expect(seen).toMatchObject([{ route: "validate", verdict: "denied" }]);
  });

  it("answers each uid of a repeated admission, the later ones from the cache alone", async () => {
    const { w, digest, loaded } = await signedWorld();
    const app = appOver(w, loaded);
    const pinned = `${image("app")}@${digest}`;
    for (const uid of ["uid-1", "uid-2", "uid-3"]) {
      const body = review(pinned);
      (body.request as { uid: string }).uid = uid;
      const res = await post(app, "/mutate", body);
      const { response } = await res.json();
      expect(response).toMatchObject({ uid, allowed: true, patchType: "JSONPatch" });
      if (uid !== "uid-1") {
        expect(res.headers.get("server-timing")).toMatch(/requests=0 .*run=0 shared=0 cached=1/);
      }
    }
    expect(answersOf(w.cache, w.clock).size).toBe(1);
  });

  it("reads a body whole behind a listener that frames bodies, as through a stream", async () => {
    const { w, digest, loaded } = await signedWorld();
    const engine = { policies: loaded, client: w.client, trust: w.trust, clock: w.clock };
    const deps = { fetch, clock: w.clock, logger: silentLogger, sha256: nobleSha256, engine };
    const framed = createApp({ ...deps, auth: { mode: "unauthenticated" }, framedBodies: true });
    const text = JSON.stringify(review(`${image("app")}@${digest}`));
    const headers = { "content-type": "application/json", "content-length": String(text.length) };
    const res = await framed.request("/validate", { method: "POST", headers, body: text });
    expect((await res.json()).response).toEqual({ uid: UID, allowed: true });
    const bad = new Uint8Array([0x7b, 0xff, 0x7d]);
    const notUtf8 = await framed.request("/validate", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "3" },
      body: bad,
    });
    expect(notUtf8.status).toBe(400);
  });

  it("answers 400 JSON to a body that is not JSON", async () => {
    const { w, loaded } = await signedWorld();
    const res = await post(appOver(w, loaded), "/validate", "{not json");
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("BODY_INVALID");
    expect(body.error.message).toMatch(/not JSON/);
    expect(body.error.issues).toBeUndefined();
    expect(res.headers.get("server-timing")).toMatch(/^total;dur=/);
  });

  it("answers 400 JSON to a review of the wrong kind without a uid", async () => {
    const { w, loaded } = await signedWorld();
    const res = await post(appOver(w, loaded), "/mutate", { apiVersion: "v1", kind: "Pod" });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("REVIEW_INVALID");
    expect(body.error.message).toContain('kind: is "Pod", not "AdmissionReview"');
    expect(body.error.issues).toEqual([
      { path: "apiVersion", message: expect.stringContaining('is "v1"') },
      { path: "kind", message: 'is "Pod", not "AdmissionReview"' },
      { path: "request", message: expect.stringMatching(/required/) },
    ]);
  });

  it("denies a review with a uid whose request is malformed, naming the field", async () => {
    const { w, loaded } = await signedWorld();
    const bad = review(image("app"));
    (bad.request as Record<string, unknown>).operation = "EXPLODE";
    const seen: AdmissionObservation[] = [];
    const res = await post(appOver(w, loaded, seen), "/validate", bad);
    expect(res.status).toBe(200);
    const { response } = await res.json();
    expect(response).toMatchObject({ uid: UID, allowed: false, status: { code: 400 } });
    expect(response.status.message).toMatch(/^imgverify: [^]*request\.operation: is "EXPLODE"/);
    expect(seen).toMatchObject([{ route: "validate", verdict: "error" }]);
  });

  it("answers 400 JSON when the request has no uid", async () => {
    const { w, loaded } = await signedWorld();
    const bad = review(image("app"));
    delete (bad.request as Record<string, unknown>).uid;
    const res = await post(appOver(w, loaded), "/validate", bad);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message).toMatch(/request\.uid: is required/);
    expect(error.issues).toEqual([{ path: "request.uid", message: "is required" }]);
  });

  it("refuses an oversized body with 413 JSON", async () => {
    const { w, loaded } = await signedWorld();
    const res = await post(appOver(w, loaded), "/validate", "x".repeat(8 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers a fault inside the engine with 500 JSON, counted as an error", async () => {
    const { w, loaded } = await signedWorld();
    const broken = {
      withStore: () => {
        throw new Error("store exploded");
      },
    } as unknown as RegistryClient;
    const metrics = new AdmissionMetrics();
    const app = createApp({
      fetch: () => Promise.reject(new Error("offline")),
      clock: w.clock,
      logger: silentLogger,
      sha256: nobleSha256,
      engine: { policies: loaded, client: broken, trust: w.trust, clock: w.clock },
      metrics,
      auth: { mode: "unauthenticated" },
    });
    const res = await post(app, "/validate", review(image("app")));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    const text = metrics.render();
    expect(text).toContain('imgverify_admissions_total{route="validate",verdict="error"} 1');
    expect(text).toContain("imgverify_admissions_in_flight 0");
  });

  it("has no admission routes without an engine", async () => {
    const { w } = await signedWorld();
    const app = createApp({
      fetch: () => Promise.reject(new Error("offline")),
      clock: w.clock,
      logger: silentLogger,
      sha256: nobleSha256,
    });
    const res = await post(app, "/validate", review(image("app")));
    expect(res.status).toBe(404);
  });
});
