/**
 * The admission webhook routes: `POST /validate` and `POST /mutate` take an
 * AdmissionReview, run the engine over it and answer an AdmissionReview.
 * The caller is authenticated first (401), then the body's type (415) and
 * size (413) are checked while it is read, never buffering past the bound.
 * A body that cannot be decoded answers 4xx JSON when no uid is known, or a
 * denial naming what is wrong when it is (fail closed, whatever the
 * webhook's failurePolicy). Every answer says in `Server-Timing` where its
 * time went and how many registry calls it made and saved.
 */
import type { Context, Hono } from "hono";
import {
  type AdmissionReviewResponse,
  decodeAdmissionBody,
  encodeAdmissionResponse,
} from "../admission/index.ts";
import type { Clock } from "../deps.ts";
import {
  type AdmissionEvaluation,
  type EngineContext,
  type EngineTiming,
  evaluateAdmission,
} from "../engine/index.ts";
import { type CallerAuth, callerRefusal } from "./caller-auth.ts";
import { readJsonBody } from "./json-body.ts";
import { errorBody } from "./json-error.ts";

export type AdmissionRoute = "validate" | "mutate";
export type AdmissionVerdict = "allowed" | "denied" | "error";

/** What one admission came to, for metrics. */
export interface AdmissionObservation {
  readonly route: AdmissionRoute;
  readonly verdict: AdmissionVerdict;
  readonly durationMs: number;
  /** The engine's account; none when the body was refused before evaluation. */
  readonly timing?: EngineTiming;
}

export interface AdmissionObserver {
  started(route: AdmissionRoute): void;
  finished(observation: AdmissionObservation): void;
}

export interface WebhookOptions {
  engine: EngineContext;
  clock: Clock;
  observer?: AdmissionObserver;
  /** Who may call; every call is refused without it. */
  auth: CallerAuth | undefined;
  /** Requests come from a listener that frames bodies by their Content-Length (see json-body.ts). */
  framedBodies?: boolean;
}

/** kube-apiserver decodes write requests of at most 3 MiB (its MaxRequestBodyBytes). */
const API_SERVER_REQUEST_BYTES = 3 * 1024 * 1024;
/**
 * Bytes of body read at most: a review carries the object and, on UPDATE, the
 * stored oldObject, each from a request within the API server's bound, plus
 * a small envelope. UTF-8 takes at least one byte per UTF-16 unit, so a body
 * within this bound is also within the decoder's length bound.
 */
export const MAX_ADMISSION_BODY_BYTES: number = 2 * API_SERVER_REQUEST_BYTES + 256 * 1024;

export function addAdmissionRoutes(app: Hono, options: WebhookOptions): void {
  for (const route of ["validate", "mutate"] as const) {
    // One handler, not a middleware chain: each link costs more than an answer from the cache.
    app.post(`/${route}`, async (c) => {
      // When the admission arrived, before the caller is checked: its budget counts from then.
      const arrivedAt = options.clock.now();
      return (await callerRefusal(c, options.auth)) ?? admit(c, route, options, arrivedAt);
    });
  }
}

async function admit(
  c: Context,
  route: AdmissionRoute,
  options: WebhookOptions,
  start: number,
): Promise<Response> {
  const { clock, observer } = options;
  observer?.started(route);
  let verdict: AdmissionVerdict = "error";
  let timing: EngineTiming | undefined;
  try {
    const body = await readJsonBody(c.req.raw, MAX_ADMISSION_BODY_BYTES, {
      framed: options.framedBodies === true,
    });
    if (!body.ok) {
      c.header("Server-Timing", serverTiming(clock.now() - start));
      return c.json(errorBody(body.code, body.message), body.status);
    }
    const decoded = decodeAdmissionBody(body.text);
    if (!decoded.ok) {
      c.header("Server-Timing", serverTiming(clock.now() - start));
      if (decoded.reply !== undefined) return c.json(decoded.reply);
      const { code, message, issues } = decoded.error;
      return c.json(errorBody(code, message, issues), 400);
    }
    const { request } = decoded;
    const evaluation = await evaluateAdmission(request, {
      ...options.engine,
      options: {
        ...options.engine.options,
        mutate: route === "mutate",
        receivedAt: start,
        reviewLength: body.text.length,
      },
    });
    timing = evaluation.timing;
    const review = reviewOf(request.uid, evaluation);
    verdict = evaluation.allowed ? "allowed" : "denied";
    return admissionAnswer(review, serverTiming(clock.now() - start, timing));
  } finally {
    observer?.finished({
      route,
      verdict,
      durationMs: clock.now() - start,
      ...(timing !== undefined && { timing }),
    });
  }
}

/** The answer built directly: the context's header merging costs more than the rest of a replay. */
function admissionAnswer(review: AdmissionReviewResponse, timing: string): Response {
  return new Response(JSON.stringify(review), {
    headers: { "content-type": "application/json", "server-timing": timing },
  });
}

function reviewOf(uid: string, evaluation: AdmissionEvaluation): AdmissionReviewResponse {
  return encodeAdmissionResponse({
    uid,
    allowed: evaluation.allowed,
    warnings: evaluation.warnings,
    patch: evaluation.patch,
    ...(!evaluation.allowed && {
      status: { code: 403, reason: "Forbidden", message: evaluation.message ?? "denied" },
    }),
  });
}

/** The `Server-Timing` value: route time, and the engine's phases when it ran. */
export function serverTiming(totalMs: number, timing?: EngineTiming): string {
  const metrics = [`total;dur=${round(totalMs)}`];
  if (timing !== undefined) {
    metrics.push(
      `engine;dur=${round(timing.totalMs)};desc="${timing.mode}${timing.timedOut ? " timed-out" : ""}"`,
      `budget;dur=${round(timing.budgetMs)}`,
      `registry;desc="requests=${timing.requests} shared=${timing.sharedRequests}"`,
      `checks;desc="run=${timing.checks} shared=${timing.sharedChecks} cached=${timing.cachedChecks}"`,
    );
  }
  return metrics.join(", ");
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
