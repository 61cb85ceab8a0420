import { describe, expect, it } from "vitest";
import {
  applyJsonPatch,
  boundWarnings,
  decodeAdmissionBody,
  encodeAdmissionResponse,
  isAdmissionError,
  type JsonPatchOperation,
  MAX_BODY_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_WARNING_LENGTH,
  MAX_WARNINGS,
  MAX_WARNINGS_LENGTH,
} from "../../../src/admission/index.ts";
import { fixturePresent, fixtureReview, POD, podReviewText } from "./support.ts";

const UID = "705ab4f5-6393-11e8-b7cc-42010a800002";

function decodePatch(base64: string): unknown {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function codePoints(text: string): number {
  return [...text].length;
}

describe("encodeAdmissionResponse", () => {
  it("answers an allowed request with nothing but uid and allowed", () => {
    expect(encodeAdmissionResponse({ uid: UID, allowed: true, warnings: [], patch: [] })).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: UID, allowed: true },
    });
  });

  it("carries a denial status and warnings", () => {
    const answer = encodeAdmissionResponse({
      uid: UID,
      allowed: false,
      status: { code: 403, reason: "Forbidden", message: "blocked" },
      warnings: ["policy p.r: audit only", "policy p.r: audit only", ""],
    });
    expect(answer.response).toEqual({
      uid: UID,
      allowed: false,
      status: { code: 403, reason: "Forbidden", message: "blocked" },
      warnings: ["policy p.r: audit only"],
    });
  });

  it("sends the patch as base64 of its UTF-8 JSON, which applies to the object", () => {
    const patch: JsonPatchOperation[] = [
      {
        op: "replace",
        path: "/spec/containers/0/image",
        value: "nginx:1.27@sha256:" + "a".repeat(64),
      },
      { op: "add", path: "/metadata/annotations", value: { note: "größe ✓ 🚀" } },
    ];
    const { response } = encodeAdmissionResponse({ uid: UID, allowed: true, patch });
    expect(response.patchType).toBe("JSONPatch");
    const decoded = decodePatch(response.patch ?? "");
    expect(decoded).toEqual(patch);
    expect(applyJsonPatch(POD, decoded as JsonPatchOperation[])).toEqual({
      ...POD,
      metadata: { ...POD.metadata, annotations: { note: "größe ✓ 🚀" } },
      spec: { containers: [{ name: "nginx", image: `nginx:1.27@sha256:${"a".repeat(64)}` }] },
    });
  });

  it("encodes patches larger than one base64 chunk", () => {
    const value = "ü🚀x".repeat(20_000);
    const patch: JsonPatchOperation[] = [{ op: "add", path: "/note", value }];
    const { response } = encodeAdmissionResponse({ uid: UID, allowed: true, patch });
    expect(decodePatch(response.patch ?? "")).toEqual(patch);
  });

  it("refuses a patch over 1 MiB", () => {
    const patch: JsonPatchOperation[] = [{ op: "add", path: "/x", value: "é".repeat(600_000) }];
    let caught: unknown;
    try {
      encodeAdmissionResponse({ uid: UID, allowed: true, patch });
    } catch (err) {
      caught = err;
    }
    expect(isAdmissionError(caught, "RESPONSE_TOO_LARGE")).toBe(true);
    expect((caught as Error).message).toMatch(
      /^the patch for request 705ab4f5-\S+ is 1200037 bytes, over the 1048576-byte bound$/,
    );
  });

  it("cuts a long denial message", () => {
    const message = "x".repeat(MAX_MESSAGE_LENGTH + 10);
    const { response } = encodeAdmissionResponse({
      uid: UID,
      allowed: false,
      status: { code: 403, message },
    });
    expect(response.status?.message).toBe(`${"x".repeat(MAX_MESSAGE_LENGTH - 1)}…`);
  });

  it.skipIf(!fixturePresent)("uses only field names of the Kubernetes response fixture", () => {
    const fixture = fixtureReview().response as Record<string, unknown>;
    const { response } = encodeAdmissionResponse({
      uid: UID,
      allowed: false,
      status: { code: 403, reason: "Forbidden", message: "m" },
      warnings: ["w"],
      patch: [{ op: "remove", path: "/a" }],
    });
    const known = Object.keys(fixture);
    expect(Object.keys(response).filter((key) => !known.includes(key))).toEqual([]);
    const knownStatus = Object.keys(fixture.status as object);
    expect(Object.keys(response.status ?? {}).filter((key) => !knownStatus.includes(key))).toEqual(
      [],
    );
  });
});

describe("boundWarnings", () => {
  it("cuts each warning to 256 code points without splitting a character", () => {
    const long = `policy p.r: ${"🚀".repeat(300)}`;
    const [cut] = boundWarnings([long]);
    expect(codePoints(cut ?? "")).toBe(MAX_WARNING_LENGTH);
    expect(cut?.endsWith("🚀…")).toBe(true);
    expect(boundWarnings(["short"])).toEqual(["short"]);
  });

  it("keeps the total within 4096 code points and counts what it left out", () => {
    const warnings = Array.from({ length: 30 }, (_, i) => `${i}`.padEnd(250, "."));
    const bounded = boundWarnings(warnings);
    const total = bounded.reduce((sum, w) => sum + codePoints(w), 0);
    expect(total).toBeLessThanOrEqual(MAX_WARNINGS_LENGTH);
    expect(bounded.slice(0, -1)).toEqual(warnings.slice(0, bounded.length - 1));
    expect(bounded.at(-1)).toBe(`${31 - bounded.length} more warnings not shown`);
  });

  it("keeps at most 64 warnings", () => {
    const bounded = boundWarnings(Array.from({ length: 100 }, (_, i) => `w${i}`));
    expect(bounded).toHaveLength(MAX_WARNINGS);
    expect(bounded.at(-2)).toBe("w62");
    expect(bounded.at(-1)).toBe("37 more warnings not shown");
  });
});

describe("decodeAdmissionBody", () => {
  it("decodes a good body", () => {
    const decoded = decodeAdmissionBody(podReviewText());
    expect(decoded.ok && decoded.request.uid).toBe(UID);
  });

  it("refuses bodies that are not JSON without a reply", () => {
    for (const [text, start] of [
      ["", "the body is empty"],
      ["   ", "the body is empty"],
      ['{"apiVersion":', "the body is not JSON: "],
      ["x".repeat(MAX_BODY_LENGTH + 1), `the body is longer than ${MAX_BODY_LENGTH} characters`],
    ] as const) {
      const decoded = decodeAdmissionBody(text);
      expect(decoded.ok).toBe(false);
      if (decoded.ok) continue;
      expect(decoded.reply).toBeUndefined();
      expect(decoded.error.code).toBe("BODY_INVALID");
      expect(decoded.error.message.startsWith(start)).toBe(true);
    }
  });

  it("answers an invalid review whose uid it knows with a denial that says why", () => {
    const decoded = decodeAdmissionBody(podReviewText({ operation: "PATCH" }));
    if (decoded.ok) throw new Error("accepted");
    expect(decoded.error.code).toBe("REVIEW_INVALID");
    expect(decoded.reply).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: {
        uid: UID,
        allowed: false,
        status: {
          code: 400,
          reason: "BadRequest",
          message: `imgverify: invalid AdmissionReview ${UID}:\n  request.operation: is "PATCH", not one of CREATE, UPDATE, DELETE, CONNECT`,
        },
      },
    });
  });

  it("answers a v1beta1 review in v1beta1, and has no reply without a uid", () => {
    const beta = JSON.parse(podReviewText()) as Record<string, unknown>;
    beta.apiVersion = "admission.k8s.io/v1beta1";
    const decoded = decodeAdmissionBody(JSON.stringify(beta));
    expect(!decoded.ok && decoded.reply?.apiVersion).toBe("admission.k8s.io/v1beta1");
    expect(!decoded.ok && decoded.reply?.response.status?.message).toContain(
      'apiVersion: is "admission.k8s.io/v1beta1"; imgverify reads admission.k8s.io/v1 only',
    );

    const noUid = decodeAdmissionBody(podReviewText({ uid: "" }));
    expect(noUid.ok).toBe(false);
    expect(!noUid.ok && noUid.reply).toBeUndefined();
    expect(!noUid.ok && noUid.error.toJSON()).toEqual({
      code: "REVIEW_INVALID",
      message: "invalid AdmissionReview:\n  request.uid: must not be empty",
      issues: [{ path: "request.uid", message: "must not be empty" }],
    });

    const other = decodeAdmissionBody(JSON.stringify({ ...beta, apiVersion: "v1" }));
    expect(!other.ok && other.reply).toBeUndefined();
  });
});
