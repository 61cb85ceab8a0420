/**
 * `POST /verify`: a JSON API asking whether images verify, without an
 * AdmissionReview. The images go through the engine as the containers of a
 * synthetic Pod, against a loaded policy named in the body or against one
 * verifyImages entry given inline (Kyverno's shape), so the answer follows
 * exactly the rules admission follows.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { decodeAdmissionReview } from "./admission/index.ts";
import { type EngineContext, evaluateAdmission, type ImageResult } from "./engine/index.ts";
import { errorBody } from "./json-error.ts";
import { readVerifyRequest, VerifyBadRequest, type VerifyRequest } from "./verify-request.ts";

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

export function addVerifyRoute(app: Hono, engine: EngineContext): void {
  app.post(
    "/verify",
    bodyLimit({
      maxSize: MAX_VERIFY_BODY_BYTES,
      onError: (c) =>
        c.json(
          errorBody("PAYLOAD_TOO_LARGE", `the body is over ${MAX_VERIFY_BODY_BYTES} bytes`),
          413,
        ),
    }),
    (c) => verify(c, engine),
  );
}

async function verify(c: Context, engine: EngineContext): Promise<Response> {
  let request: VerifyRequest;
  try {
    request = readVerifyRequest(await c.req.text(), engine.policies);
  } catch (err) {
    if (!(err instanceof VerifyBadRequest)) throw err;
    return c.json(errorBody(err.code, err.message), err.status);
  }
  const { images, policy } = request;
  const evaluation = await evaluateAdmission(syntheticPod(images), {
    ...engine,
    policies: [policy],
    // A tag is verified at the digest it resolves to, as /mutate would pin it.
    options: { ...engine.options, mutate: true },
  });
  return c.json({ results: images.map((image) => resultOf(image, evaluation.results)) });
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
