/**
 * The admission webhook routes: `POST /validate` and `POST /mutate` take an
 * AdmissionReview, run the engine over it and answer an AdmissionReview.
 * A body that cannot be read answers 4xx JSON when no uid is known, or a
 * denial naming what is wrong when it is (fail closed, whatever the
 * webhook's failurePolicy). Every answer says in `Server-Timing` where its
 * time went and how many registry calls it made and saved.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  type AdmissionReviewResponse,
  decodeAdmissionBody,
  encodeAdmissionResponse,
  MAX_BODY_LENGTH,
} from "./admission/index.ts";
import type { Clock } from "./deps.ts";
import {
  type AdmissionEvaluation,
  type EngineContext,
  type EngineTiming,
  evaluateAdmission,
} from "./engine/index.ts";
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
}

/**
 * Bytes of body read at most. UTF-8 takes at least one byte per UTF-16 unit,
 * so a body within this bound is also within the decoder's length bound.
 */
const MAX_BODY_BYTES: number = MAX_BODY_LENGTH;

export function addAdmissionRoutes(app: Hono, options: WebhookOptions): void {
  for (const route of ["validate", "mutate"] as const) {
    app.post(
      `/${route}`,
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: (c) => {
          options.observer?.started(route);
          options.observer?.finished({ route, verdict: "error", durationMs: 0 });
          c.header("Server-Timing", serverTiming(0));
          return c.json(
            errorBody("PAYLOAD_TOO_LARGE", `the body is over ${MAX_BODY_BYTES} bytes`),
            413,
          );
        },
      }),
      (c) => admit(c, route, options),
    );
  }
}

async function admit(
  c: Context,
  route: AdmissionRoute,
  options: WebhookOptions,
): Promise<Response> {
  const { clock, observer } = options;
  const start = clock.now();
  observer?.started(route);
  let verdict: AdmissionVerdict = "error";
  let timing: EngineTiming | undefined;
  try {
    const decoded = decodeAdmissionBody(await c.req.text());
    if (!decoded.ok) {
      c.header("Server-Timing", serverTiming(clock.now() - start));
      if (decoded.reply !== undefined) return c.json(decoded.reply);
      const { code, message, issues } = decoded.error;
      return c.json(errorBody(code, message, issues), 400);
    }
    const { request } = decoded;
    const evaluation = await evaluateAdmission(request, {
      ...options.engine,
      options: { ...options.engine.options, mutate: route === "mutate" },
    });
    timing = evaluation.timing;
    const review = reviewOf(request.uid, evaluation);
    verdict = evaluation.allowed ? "allowed" : "denied";
    c.header("Server-Timing", serverTiming(clock.now() - start, timing));
    return c.json(review);
  } finally {
    observer?.finished({
      route,
      verdict,
      durationMs: clock.now() - start,
      ...(timing !== undefined && { timing }),
    });
  }
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
