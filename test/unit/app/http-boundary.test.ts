/**
 * What the webhook refuses before the engine runs: callers without the
 * token, bodies of the wrong type or size (read no further than needed), and
 * /verify calls the operator did not enable.
 */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { type AppDeps, createApp } from "../../../src/http/app.ts";
import { fixedToken } from "../../../src/http/bearer-token.ts";
import type { CallerAuth } from "../../../src/http/caller-auth.ts";
import { MAX_ADMISSION_BODY_BYTES } from "../../../src/http/webhook.ts";
import {
  freshKey,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  REVIEW_UID,
  reviewJson,
  world,
} from "../engine/core/world.ts";

const TOKEN = "s3cr3t-token-for-tests-0123456789";
const JSON_TYPE = { "content-type": "application/json" };
const BEARER = { authorization: `Bearer ${TOKEN}` };

async function setup(extra: Partial<AppDeps> = {}) {
  const w = world();
  const key = await freshKey();
  await pushSigned(w.registry, "app", "v1", [key]);
  const loaded = policies({
    name: "sigs",
    entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
  });
  const auth: CallerAuth = { mode: "bearer", token: await fixedToken(TOKEN, "test token") };
  const app = createApp({
    fetch: () => Promise.reject(new Error("no network in app tests")),
    clock: w.clock,
    logger: silentLogger,
    sha256: nobleSha256,
    engine: { policies: loaded, client: w.client, trust: w.trust, clock: w.clock, cache: w.cache },
    auth,
    ...extra,
  });
  return { app, key };
}

const review = JSON.stringify(reviewJson([{ name: "c", image: image("app") }]));

/** A body far over any limit (16 MiB), counting the bytes the server pulled from it. */
function endlessBody(chunkBytes = 64 * 1024, totalBytes = 16 * 1024 * 1024) {
  const pulled = { bytes: 0, cancelled: false };
  const chunk = new Uint8Array(chunkBytes).fill(0x20);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled.bytes >= totalBytes) return controller.close();
        pulled.bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        pulled.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled };
}

function streamed(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>) {
  return new Request(`http://imgverify.test${path}`, {
    method: "POST",
    headers,
    body,
    duplex: "half",
  } as RequestInit);
}

describe("caller authentication on /validate and /mutate", () => {
  it("answers 401 with a Bearer challenge and reads no byte of the body without a token", async () => {
    const { app } = await setup();
    for (const route of ["/validate", "/mutate"]) {
      const { stream, pulled } = endlessBody();
      const res = await app.request(streamed(route, stream, JSON_TYPE));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="imgverify"$/);
      expect((await res.json()).error.code).toBe("UNAUTHORIZED");
      expect(pulled.bytes).toBe(0);
    }
  });

  it("answers 401 invalid_token to a wrong token or another scheme", async () => {
    const { app } = await setup();
    const wrong = await app.request("/validate", {
      method: "POST",
      headers: { ...JSON_TYPE, authorization: `Bearer ${TOKEN}x` },
      body: review,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const basic = await app.request("/validate", {
      method: "POST",
      headers: { ...JSON_TYPE, authorization: `Basic ${btoa(`u:${TOKEN}`)}` },
      body: review,
    });
    expect(basic.status).toBe(401);
    expect((await basic.json()).error.message).toMatch(/not a Bearer token/);
  });

  it("admits with the token (the scheme in any case)", async () => {
    const { app } = await setup();
    const res = await app.request("/validate", {
      method: "POST",
      headers: { ...JSON_TYPE, authorization: `bearer ${TOKEN}` },
      body: review,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).response).toMatchObject({ uid: REVIEW_UID });
  });

  it("refuses every caller when the app was given no auth mode", async () => {
    const { app } = await setup({ auth: undefined });
    const res = await app.request("/validate", {
      method: "POST",
      headers: { ...JSON_TYPE, ...BEARER },
      body: review,
    });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/no caller authentication is configured/);
  });

  it("keeps /healthz, /readyz and /metrics open", async () => {
    const { app } = await setup();
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      expect((await app.request(path)).status).toBe(200);
    }
  });
});

describe("admission bodies", () => {
  const post = (app: ReturnType<typeof createApp>, headers: Record<string, string>, body: string) =>
    app.request("/validate", { method: "POST", headers: { ...BEARER, ...headers }, body });

  it("answers 415 to a content type other than application/json", async () => {
    const { app } = await setup();
    for (const type of ["text/plain", "application/yaml", "application/json; charset=latin1"]) {
      const res = await post(app, { "content-type": type }, review);
      expect(res.status).toBe(415);
      expect((await res.json()).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    const none = await app.request("/validate", { method: "POST", headers: BEARER, body: review });
    expect(none.status).toBe(415);
    const ok = await post(app, { "content-type": "Application/JSON; charset=UTF-8" }, review);
    expect(ok.status).toBe(200);
  });

  it("answers 413 to a declared Content-Length over the limit without reading", async () => {
    const { app } = await setup();
    const { stream, pulled } = endlessBody();
    const headers = { ...JSON_TYPE, ...BEARER, "content-length": String(64 * 1024 * 1024) };
    const res = await app.request(streamed("/validate", stream, headers));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(pulled.bytes).toBe(0);
  });

  it("stops reading a streamed body with no Content-Length at the limit", async () => {
    const { app } = await setup();
    const { stream, pulled } = endlessBody();
    const res = await app.request(streamed("/validate", stream, { ...JSON_TYPE, ...BEARER }));
    expect(res.status).toBe(413);
    expect(pulled.bytes).toBeLessThanOrEqual(MAX_ADMISSION_BODY_BYTES + 2 * 64 * 1024);
    expect(pulled.cancelled).toBe(true);
  });

  it("stops reading a body whose Content-Length lies", async () => {
    const { app } = await setup();
    const { stream, pulled } = endlessBody();
    const headers = { ...JSON_TYPE, ...BEARER, "content-length": "100" };
    const res = await app.request(streamed("/validate", stream, headers));
    expect(res.status).toBe(413);
    expect(pulled.bytes).toBeLessThanOrEqual(MAX_ADMISSION_BODY_BYTES + 2 * 64 * 1024);
    expect(pulled.cancelled).toBe(true);
  });

  it("bounds the body at the API server's request limit", () => {
    // kube-apiserver decodes write requests of at most 3 MiB; a review carries
    // the object and, on UPDATE, the stored oldObject.
    expect(MAX_ADMISSION_BODY_BYTES).toBeGreaterThanOrEqual(2 * 3 * 1024 * 1024);
    expect(MAX_ADMISSION_BODY_BYTES).toBeLessThan(8 * 1024 * 1024);
  });

  it("answers 400 to malformed JSON, bytes that are not UTF-8, and a review without request.uid", async () => {
    const { app } = await setup();
    const malformed = await post(app, JSON_TYPE, "{not json");
    expect(malformed.status).toBe(400);
    const latin = await app.request("/validate", {
      method: "POST",
      headers: { ...JSON_TYPE, ...BEARER },
      body: new Uint8Array([0x7b, 0xff, 0x7d]),
    });
    expect(latin.status).toBe(400);
    expect((await latin.json()).error.message).toMatch(/not valid UTF-8/);
    const noUid = reviewJson([{ name: "c", image: image("app") }]);
    delete (noUid.request as Record<string, unknown>).uid;
    const res = await post(app, JSON_TYPE, JSON.stringify(noUid));
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues).toEqual([
      { path: "request.uid", message: "is required" },
    ]);
  });
});

describe("POST /verify settings", () => {
  const verify = (app: ReturnType<typeof createApp>, body: unknown, headers = BEARER) =>
    app.request("/verify", {
      method: "POST",
      headers: { ...JSON_TYPE, ...headers },
      body: JSON.stringify(body),
    });

  it("is off by default: 404 ROUTE_NOT_FOUND", async () => {
    const { app } = await setup();
    const res = await verify(app, { images: [image("app")], policy: "sigs" });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("ROUTE_NOT_FOUND");
  });

  it("when on, answers 401 without the token", async () => {
    const { app } = await setup({ verifyApi: { anyImage: false, inlinePolicy: false } });
    const res = await verify(app, { images: [image("app")], policy: "sigs" }, {} as typeof BEARER);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("when on, verifies images a loaded policy matches", async () => {
    const { app } = await setup({ verifyApi: { anyImage: false, inlinePolicy: false } });
    const res = await verify(app, { images: [image("app")], policy: "sigs" });
    expect(res.status).toBe(200);
    expect((await res.json()).results[0]).toMatchObject({ verified: true });
  });

  it("answers 403 naming an image no loaded policy matches, unless any image is allowed", async () => {
    const elsewhere = "ghcr.io/someone/private:v1";
    const { app } = await setup({ verifyApi: { anyImage: false, inlinePolicy: false } });
    const res = await verify(app, { images: [image("app"), elsewhere], policy: "sigs" });
    expect(res.status).toBe(403);
    const { error } = await res.json();
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain(elsewhere);
    expect(error.message).toContain("--verify-api-any-image");
    const open = await setup({ verifyApi: { anyImage: true, inlinePolicy: false } });
    const allowed = await verify(open.app, { images: [elsewhere], policy: "sigs" });
    expect(allowed.status).toBe(200);
  });

  it("answers 403 to an inline verifyImages entry unless inline policies are allowed", async () => {
    const { app, key } = await setup({ verifyApi: { anyImage: false, inlinePolicy: false } });
    const inline = { images: [image("app")], attestors: [{ entries: [keyEntry(key)] }] };
    const res = await verify(app, inline);
    expect(res.status).toBe(403);
    const { error } = await res.json();
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain("--verify-api-inline-policy");
    const open = await setup({ verifyApi: { anyImage: false, inlinePolicy: true } });
    const allowed = await verify(open.app, {
      images: [image("app")],
      attestors: [{ entries: [keyEntry(open.key)] }],
    });
    expect(allowed.status).toBe(200);
    expect((await allowed.json()).results[0]).toMatchObject({ verified: true });
  });
});

describe("open routes", () => {
  it("reveal no image name, digest, registry host or policy name after admissions", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "team-secret-app", "v1", [key]);
    const loaded = policies({
      name: "confidential-policy",
      entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
    });
    const app = createApp({
      fetch: () => Promise.reject(new Error("no network in app tests")),
      clock: w.clock,
      logger: silentLogger,
      sha256: nobleSha256,
      engine: {
        policies: loaded,
        client: w.client,
        trust: w.trust,
        clock: w.clock,
        cache: w.cache,
      },
      auth: { mode: "unauthenticated" },
      verifyApi: { anyImage: true, inlinePolicy: false },
    });
    const names = [image("team-secret-app"), image("unsigned-private-app")];
    for (const ref of names) {
      for (const route of ["/validate", "/mutate"]) {
        const body = JSON.stringify(reviewJson([{ name: "c", image: ref }]));
        await app.request(route, { method: "POST", headers: JSON_TYPE, body });
      }
    }
    const verified = await app.request("/verify", {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify({ images: names, policy: "confidential-policy" }),
    });
    expect(verified.status).toBe(200);
    const host = new URL(`http://${image("x")}`).hostname;
    for (const path of ["/metrics", "/readyz", "/healthz"]) {
      const text = await (await app.request(path)).text();
      for (const secret of [
        "team-secret-app",
        "unsigned-private-app",
        digest,
        digest.slice("sha256:".length, 20),
        host,
        "confidential-policy",
      ]) {
        expect(text, `${path} names ${secret}`).not.toContain(secret);
      }
    }
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toContain('imgverify_admissions_total{route="mutate",verdict="allowed"} 1');
    expect(metrics).toContain('imgverify_admissions_total{route="mutate",verdict="denied"} 1');
  });
});
