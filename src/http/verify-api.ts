/**
 * `POST /verify`: a JSON API asking whether images verify, without an
 * AdmissionReview. The images go through the engine as the containers of a
 * synthetic Pod, against a loaded policy named in the body or against one
 * verifyImages entry given inline (Kyverno's shape), so the answer follows
 * exactly the rules admission follows. Each call is reported to an observer
 * (GET /metrics counts them by verdict, with their latency). The route
 * exists only when the operator enables it, and then authenticates callers
 * as the webhook does.
 */
import type { Context, Hono } from "hono";
import { decodeAdmissionReview } from "../admission/index.ts";
import type { Clock } from "../deps.ts";
import {
  type EngineContext,
  type EngineTiming,
  evaluateAdmission,
  type ImageResult,
} from "../engine/index.ts";
import { type CallerAuth, requireCaller } from "./caller-auth.ts";
import { readJsonBody } from "./json-body.ts";
import { errorBody } from "./json-error.ts";
import {
  readVerifyRequest,
  type VerifyApiSettings,
  VerifyBadRequest,
  type VerifyRequest,
} from "./verify-request.ts";

/** Inline keys and certificates are a few KiB each. */
const MAX_VERIFY_BODY_BYTES = 256 * 1024;

export interface VerifyImageResult {
  image: string;
  digest?: string;
  verified: boolean;
  /** Each verifyImages entry that applied to the image, and what it said. */
  checks: { policy: string; rule: string; path: string; status: string; message: string }[];
  /** Why not, when not verified: the first entry that did not pass. */
  error?: { code: string; message: string };
}

/**
 * What one /verify call came to: every image verified, some not, a request
 * refused as invalid (4xx), or a fault (5xx).
 */
export type VerifyVerdict = "verified" | "unverified" | "invalid" | "error";

export interface VerifyObservation {
  readonly verdict: VerifyVerdict;
  readonly durationMs: number;
  /** The engine's account; none when the request was refused before evaluation. */
  readonly timing?: EngineTiming;
}

export interface VerifyObserver {
  verifyFinished(observation: VerifyObservation): void;
}

export interface VerifyRouteOptions {
  engine: EngineContext;
  clock: Clock;
  observer?: VerifyObserver;
  /** Who may call; every call is refused without it. */
  auth: CallerAuth | undefined;
  settings: VerifyApiSettings;
}

export function addVerifyRoute(app: Hono, options: VerifyRouteOptions): void {
  app.post("/verify", requireCaller(options.auth), (c) => verify(c, options));
}

async function verify(c: Context, { engine, clock, observer, settings }: VerifyRouteOptions) {
  const start = clock.now();
  let verdict: VerifyVerdict = "error";
  let timing: EngineTiming | undefined;
  try {
    const body = await readJsonBody(c.req.raw, MAX_VERIFY_BODY_BYTES);
    if (!body.ok) {
      verdict = "invalid";
      return c.json(errorBody(body.code, body.message), body.status);
    }
    let request: VerifyRequest;
    try {
      request = readVerifyRequest(body.text, engine.policies, settings);
    } catch (err) {
      if (!(err instanceof VerifyBadRequest)) throw err;
      verdict = "invalid";
      return c.json(errorBody(err.code, err.message, err.issues), err.status);
    }
    const { images, policy } = request;
    const evaluation = await evaluateAdmission(syntheticPod(images), {
      ...engine,
      policies: [policy],
      // A tag is verified at the digest it resolves to, as /mutate would pin it.
      options: { ...engine.options, mutate: true },
    });
    timing = evaluation.timing;
    const results = images.map((image) => resultOf(image, evaluation.results));
    verdict = results.every((r) => r.verified) ? "verified" : "unverified";
    return c.json({ results });
  } finally {
    observer?.verifyFinished({
      verdict,
      durationMs: clock.now() - start,
      ...(timing !== undefined && { timing }),
    });
  }
}

function syntheticPod(images: readonly string[]): ReturnType<typeof decodeAdmissionReview> {
  const object = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "imgverify-verify", namespace: "default" },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  };
  return decodeAdmissionReview({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: crypto.randomUUID(),
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      operation: "CREATE",
      userInfo: { username: "imgverify-verify-api" },
      object,
    },
  });
}

function resultOf(image: string, all: readonly ImageResult[]): VerifyImageResult {
  const mine = all.filter((r) => r.image === image && r.status !== "skip");
  const digest = mine.find((r) => r.digest !== undefined)?.digest;
  const failed = mine.find((r) => r.status !== "pass");
  const result: VerifyImageResult = {
    image,
    ...(digest !== undefined && { digest }),
    verified: mine.length > 0 && failed === undefined,
    checks: mine.map(({ policy, rule, path, status, message }) => ({
      policy,
      rule,
      path,
      status,
      message,
    })),
  };
  if (mine.length === 0) {
    result.error = {
      code: "NO_MATCHING_RULE",
      message: `no verifyImages entry applies to ${image}`,
    };
  } else if (failed !== undefined) {
    const code = failed.code ?? (failed.status === "fail" ? "NOT_VERIFIED" : "ERROR");
    result.error = { code, message: failed.message };
  }
  return result;
}
