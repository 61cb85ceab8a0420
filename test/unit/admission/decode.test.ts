import { describe, expect, it } from "vitest";
import {
  type AdmissionError,
  decodeAdmissionReview,
  isAdmissionError,
  matchInput,
  resourceIdentity,
} from "../../../src/admission/index.ts";
import { fixturePresent, fixtureReview, POD, podReview } from "./support.ts";

function refusal(body: unknown): AdmissionError {
  try {
    decodeAdmissionReview(body);
  } catch (err) {
    if (isAdmissionError(err, "REVIEW_INVALID")) return err;
    throw err;
  }
  throw new Error("the review was accepted");
}

function issuePaths(body: unknown): string[] {
  return refusal(body).issues.map((issue) => issue.path);
}

describe("decodeAdmissionReview", () => {
  it("never takes the JSON-payload mark from a review (only apply --json-payload sets it)", () => {
    const review = podReview() as { request: Record<string, unknown> };
    review.request.payload = true;
    expect(decodeAdmissionReview(review).payload).toBeUndefined();
  });

  it("reads a Pod CREATE with defaults for the fields Kubernetes leaves out", () => {
    const request = decodeAdmissionReview(podReview());
    expect(request).toEqual({
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      subResource: "",
      requestKind: undefined,
      requestResource: undefined,
      requestSubResource: "",
      name: "web",
      namespace: "shop",
      operation: "CREATE",
      userInfo: { username: "alice", uid: "", groups: ["dev", "system:authenticated"], extra: {} },
      object: POD,
      oldObject: undefined,
      dryRun: false,
      options: undefined,
    });
  });

  it("accepts a DELETE without object and null for absent objects", () => {
    const request = decodeAdmissionReview(
      podReview({ operation: "DELETE", object: null, oldObject: POD, options: null }),
    );
    expect([request.operation, request.object, request.oldObject, request.options]).toEqual([
      "DELETE",
      undefined,
      POD,
      undefined,
    ]);
  });

  it.skipIf(!fixturePresent)("decodes every field of the Kubernetes round-trip fixture", () => {
    const fixture = fixtureReview();
    // The fixture fills every string with a placeholder, the operation too: that is its one flaw.
    expect(refusal(fixture).issues).toEqual([
      {
        path: "request.operation",
        message: 'is "operationValue", not one of CREATE, UPDATE, DELETE, CONNECT',
      },
    ]);
    const request = decodeAdmissionReview({
      ...fixture,
      request: { ...(fixture.request as object), operation: "UPDATE" },
    });
    const custom = {
      apiVersion: "example.com/v1",
      kind: "CustomType",
      spec: { replicas: 1 },
      status: { available: 1 },
    };
    expect(request).toEqual({
      uid: "uidValue",
      kind: { group: "groupValue", version: "versionValue", kind: "kindValue" },
      resource: { group: "groupValue", version: "versionValue", resource: "resourceValue" },
      subResource: "subResourceValue",
      requestKind: { group: "groupValue", version: "versionValue", kind: "kindValue" },
      requestResource: { group: "groupValue", version: "versionValue", resource: "resourceValue" },
      requestSubResource: "requestSubResourceValue",
      name: "nameValue",
      namespace: "namespaceValue",
      operation: "UPDATE",
      userInfo: {
        username: "usernameValue",
        uid: "uidValue",
        groups: ["groupsValue"],
        extra: { extraKey: ["extraValue"] },
      },
      object: custom,
      oldObject: custom,
      dryRun: true,
      options: custom,
    });
  });

  it("lists every problem at once, each at its path", () => {
    const body = {
      apiVersion: "admission.k8s.io/v1beta1",
      kind: "AdmissionReviewList",
      request: {
        kind: { group: "", kind: "" },
        resource: "pods",
        subResource: 3,
        requestKind: [],
        operation: "PATCH",
        userInfo: { username: 7, groups: ["ok", 1], extra: { scopes: "all" } },
        object: "a pod",
        oldObject: { metadata: { labels: { app: 1 }, name: false } },
        dryRun: "yes",
      },
    };
    expect(refusal(body).issues).toEqual([
      {
        path: "apiVersion",
        message:
          'is "admission.k8s.io/v1beta1"; imgverify reads admission.k8s.io/v1 only (set admissionReviewVersions: ["v1"] in the webhook configuration)',
      },
      { path: "kind", message: 'is "AdmissionReviewList", not "AdmissionReview"' },
      { path: "request.uid", message: "is required" },
      { path: "request.kind.version", message: "is required" },
      { path: "request.kind.kind", message: "must not be empty" },
      { path: "request.resource", message: "must be an object, not a string" },
      { path: "request.subResource", message: "must be a string, not a number" },
      { path: "request.requestKind", message: "must be an object, not a list" },
      {
        path: "request.operation",
        message: 'is "PATCH", not one of CREATE, UPDATE, DELETE, CONNECT',
      },
      { path: "request.userInfo.username", message: "must be a string, not a number" },
      { path: "request.userInfo.groups[1]", message: "must be a string, not a number" },
      { path: "request.userInfo.extra.scopes", message: "must be a list of strings, not a string" },
      { path: "request.object", message: "must be an object, not a string" },
      { path: "request.oldObject.metadata.name", message: "must be a string, not a boolean" },
      { path: "request.oldObject.metadata.labels.app", message: "must be a string, not a number" },
      { path: "request.dryRun", message: "must be true or false, not a string" },
    ]);
  });

  it("names the missing parts of a bare review", () => {
    expect(issuePaths({})).toEqual(["apiVersion", "kind", "request"]);
    expect(issuePaths({ ...podReview(), request: { uid: "" } })).toEqual([
      "request.uid",
      "request.kind",
      "request.resource",
      "request.operation",
      "request.userInfo",
    ]);
    expect(refusal([]).message).toBe(
      "invalid AdmissionReview:\n  (body): an AdmissionReview is a JSON object, not a list",
    );
  });

  it("requires the object on CREATE and UPDATE", () => {
    expect(issuePaths(podReview({ object: undefined }))).toEqual(["request.object"]);
    expect(issuePaths(podReview({ operation: "UPDATE", object: null }))).toEqual([
      "request.object",
    ]);
  });

  it("keys odd label names by their JSON string and names the uid in the message", () => {
    const object = { ...POD, metadata: { annotations: { "kyverno.io/verify-images": {} } } };
    const error = refusal(podReview({ object }));
    expect(error.uid).toBe("705ab4f5-6393-11e8-b7cc-42010a800002");
    expect(error.message).toBe(
      "invalid AdmissionReview 705ab4f5-6393-11e8-b7cc-42010a800002:\n" +
        '  request.object.metadata.annotations["kyverno.io/verify-images"]: must be a string, not an object',
    );
    expect(error.toJSON()).toMatchObject({ code: "REVIEW_INVALID", issues: error.issues });
  });

  it("keeps at most 50 issues and says how many more there were", () => {
    const labels = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`l${i}`, i]));
    const error = refusal(podReview({ object: { ...POD, metadata: { labels } } }));
    expect(error.issues).toHaveLength(50);
    expect(error.message.endsWith("\n  ... and 20 more")).toBe(true);
  });
});

describe("matchInput and resourceIdentity", () => {
  it("give policies the object's metadata and the requester", () => {
    const request = decodeAdmissionReview(podReview({ subResource: "ephemeralcontainers" }));
    expect(matchInput(request, { namespaceLabels: { team: "a" } })).toEqual({
      group: "",
      version: "v1",
      kind: "Pod",
      subresource: "ephemeralcontainers",
      name: "web",
      namespace: "shop",
      labels: { app: "web" },
      annotations: {},
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["dev", "system:authenticated"] },
      namespaceLabels: { team: "a" },
    });
    expect(resourceIdentity(request)).toEqual({ kind: "Pod", namespace: "shop", name: "web" });
  });

  it("use generateName for matching but Kyverno's empty name in messages", () => {
    const object = { kind: "Pod", metadata: { generateName: "web-7d9f-" } };
    const request = decodeAdmissionReview(podReview({ name: "", object }));
    expect(matchInput(request).name).toBe("web-7d9f-");
    expect(resourceIdentity(request)).toEqual({ kind: "Pod", namespace: "shop", name: "" });
  });

  it("read the stored object on DELETE", () => {
    const oldObject = { kind: "Pod", metadata: { name: "old", labels: { gone: "yes" } } };
    const request = decodeAdmissionReview(
      podReview({ operation: "DELETE", object: null, oldObject }),
    );
    expect(matchInput(request).labels).toEqual({ gone: "yes" });
    expect(resourceIdentity(request).name).toBe("old");
  });
});
