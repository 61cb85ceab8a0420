/**
 * AdmissionReview bodies for the admission tests, and the Kubernetes
 * round-trip fixture from the shared corpora (IMGVERIFY_CORPORA, default
 * ../shared/corpora); suites using it skip, and say so loudly, without it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora");
const FIXTURE = join(
  root,
  "kubernetes/staging/src/k8s.io/api/testdata/HEAD/admission.k8s.io.v1.AdmissionReview.json",
);

export const fixturePresent: boolean = existsSync(FIXTURE);
if (!fixturePresent) {
  console.warn(
    `SKIPPING the AdmissionReview round-trip fixture test: no ${FIXTURE} (set IMGVERIFY_CORPORA)`,
  );
}

export function fixtureReview(): Record<string, unknown> {
  return JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, unknown>;
}

export const POD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "shop", labels: { app: "web" } },
  spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] },
};

/** A CREATE of `POD` in namespace shop; `request` fields override. */
export function podReview(request: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      name: "web",
      namespace: "shop",
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["dev", "system:authenticated"] },
      object: POD,
      dryRun: false,
      ...request,
    },
  };
}

/** `podReview` as its JSON text. */
export function podReviewText(request: Record<string, unknown> = {}): string {
  return JSON.stringify(podReview(request));
}
