/**
 * The HTTP face of imgverify, neutral over runtimes: `src/runtime/*` hand in
 * their I/O and serve `app.fetch`. Every answer is JSON, errors included.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Deps } from "../deps.ts";
import type { Sha256, Sha256Impl } from "../digest/types.ts";
import type { EngineContext } from "../engine/index.ts";
import { isImgverifyError } from "../errors.ts";
import type { CallerAuth } from "./caller-auth.ts";
import { errorBody } from "./json-error.ts";
import { AdmissionMetrics, METRICS_CONTENT_TYPE } from "./metrics.ts";
import { addVerifyRoute } from "./verify-api.ts";
import type { VerifyApiSettings } from "./verify-request.ts";
import { addAdmissionRoutes } from "./webhook.ts";

export interface AppDeps extends Omit<Deps, "sha256"> {
  /**
   * The digest core, or the promise of it while the WASM module compiles:
   * entries start listening at once and /readyz answers 503 until it settles.
   */
  sha256: Sha256 | PromiseLike<Sha256>;
  /** Policies, registry client, trust material and cache: with them the app serves /validate, /mutate and /verify. */
  engine?: EngineContext;
  /** Counts admissions and /verify calls for GET /metrics; by default a fresh set over the engine's cache. */
  metrics?: AdmissionMetrics;
  /**
   * How callers of /validate, /mutate and /verify are authenticated; without
   * it those routes refuse every call (401). /healthz, /readyz and /metrics
   * are always open and name no image, digest or policy.
   */
  auth?: CallerAuth;
  /** Serves POST /verify within these settings; without them there is no such route. */
  verifyApi?: VerifyApiSettings;
  /**
   * Every request comes from a runtime's HTTP listener, which hands on no more
   * body than a Content-Length declares: admissions are then read whole, not
   * through a stream. Not for `app.request()` with a hand-made stream body.
   */
  framedBodies?: boolean;
}

/** Codes the app itself answers with; errors from deeper modules keep their own code. */
export type AppErrorCode = "ROUTE_NOT_FOUND" | "INTERNAL" | HttpErrorCode;

type HttpErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "METHOD_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "HTTP_ERROR";

const httpErrorCodes: Record<number, HttpErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

type DigestCoreState =
  | { state: "loading" }
  | { state: "ready"; impl: Sha256Impl }
  | { state: "failed"; code: string; message: string };

/** Follows the digest core's loading so /readyz can answer without waiting. */
function trackDigestCore(source: AppDeps["sha256"], deps: AppDeps): () => DigestCoreState {
  if (!("then" in source)) {
    const ready: DigestCoreState = { state: "ready", impl: source.impl };
    return () => ready;
  }
  let current: DigestCoreState = { state: "loading" };
  source.then(
    (sha256) => {
      current = { state: "ready", impl: sha256.impl };
    },
    (err: unknown) => {
      const code = isImgverifyError(err) ? err.code : "INTERNAL";
      const message = err instanceof Error ? err.message : String(err);
      current = { state: "failed", code, message };
      deps.logger.error("digest core failed to load", { code, reason: message });
    },
  );
  return () => current;
}

export function createApp(deps: AppDeps): Hono {
  const digestCore = trackDigestCore(deps.sha256, deps);
  const app = new Hono();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", (c) => {
    const core = digestCore();
    switch (core.state) {
      case "ready":
        return c.json({ status: "ready", sha256: core.impl });
      case "loading":
        return c.json({ status: "loading" }, 503);
      case "failed":
        return c.json({ status: "failed", ...errorBody(core.code, core.message) }, 503);
    }
  });

  const { engine } = deps;
  const metrics = deps.metrics ?? new AdmissionMetrics(() => engine?.cache?.stats);
  app.get("/metrics", (c) =>
    c.body(metrics.render(), 200, { "content-type": METRICS_CONTENT_TYPE }),
  );
  if (engine !== undefined) {
    const { auth, verifyApi, framedBodies } = deps;
    addAdmissionRoutes(app, { engine, clock: deps.clock, observer: metrics, auth, framedBodies });
    if (verifyApi !== undefined) {
      addVerifyRoute(app, {
        engine,
        clock: deps.clock,
        observer: metrics,
        auth,
        settings: verifyApi,
      });
    }
  }

  app.notFound((c) =>
    c.json(errorBody("ROUTE_NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404),
  );

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const code = httpErrorCodes[err.status] ?? "HTTP_ERROR";
      return c.json(errorBody(code, err.message || `HTTP ${err.status}`), err.status);
    }
    if (isImgverifyError(err)) {
      deps.logger.error(err.message, { code: err.code, path: c.req.path });
      return c.json(errorBody(err.code, err.message), 500);
    }
    // An unexpected throw is a bug: log it whole, answer without internals.
    deps.logger.error("unhandled error", { path: c.req.path, error: String(err.stack ?? err) });
    return c.json(errorBody("INTERNAL", "internal error"), 500);
  });

  return app;
}
