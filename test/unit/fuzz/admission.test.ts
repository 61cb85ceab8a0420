import fc from "fast-check";
import { describe, expect, it } from "vitest";
import admit from "../../../examples/admit.json" with { type: "json" };
import deny from "../../../examples/deny.json" with { type: "json" };
import { decodeAdmissionBody, extractImages } from "../../../src/admission/index.ts";
import {
  assertCoded,
  deepJson,
  FUZZ_SEED,
  fuzzOptions,
  mutate,
  mutationsArb,
  outcome,
  PROTOTYPE_NAMES,
} from "./support.ts";

const CODES = ["BODY_INVALID", "REVIEW_INVALID", "RESPONSE_TOO_LARGE"];

// Imported, not read from files, so workerd sees them too.
const examples: any[] = [admit, deny];

const podKeys = fc.constantFrom(
  "apiVersion",
  "kind",
  "request",
  "uid",
  "object",
  "oldObject",
  "spec",
  "containers",
  "initContainers",
  "ephemeralContainers",
  "image",
  "name",
  "metadata",
  "operation",
  "template",
  "jobTemplate",
  "resource",
  "subResource",
  "userInfo",
  ...PROTOTYPE_NAMES,
);
const treeArb = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 1 }),
    fc.dictionary(podKeys, tie("node"), { maxKeys: 5 }),
    fc.array(tie("node"), { maxLength: 4 }),
  ),
})).node;

/** The decoder never throws; a decoded request yields images or problems, never a throw. */
function checkBody(text: string): void {
  const decoded = outcome(() => decodeAdmissionBody(text), []);
  if (decoded instanceof Error) return;
  if (!decoded.ok) {
    assertCoded(decoded.error, CODES);
    return;
  }
  const { object, kind } = decoded.request;
  outcome(() => extractImages(object, { kind: kind.kind }), []);
  outcome(() => extractImages(object, {}), []);
}

describe(`AdmissionReview decoder properties (seed ${FUZZ_SEED})`, { timeout: 30_000 }, () => {
  it("the examples decode", () => {
    for (const review of examples) {
      const decoded = decodeAdmissionBody(JSON.stringify(review));
      expect(decoded.ok).toBe(true);
    }
  });

  it("arbitrary text and JSON give a request or a coded refusal", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json({ maxDepth: 4 }),
          treeArb.map((t) => JSON.stringify(t)),
        ),
        checkBody,
      ),
      fuzzOptions(400),
    );
  });

  it("reviews with Kyverno-like trees at request.object decode or refuse", () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples), treeArb, (review, object) => {
        checkBody(JSON.stringify({ ...review, request: { ...review.request, object } }));
      }),
      fuzzOptions(300),
    );
  });

  it("mutations of a valid review decode or refuse", () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples), mutationsArb, (review, mutations) => {
        checkBody(JSON.stringify(mutate(review, mutations)));
      }),
      fuzzOptions(250),
    );
  });

  it("deep nesting and huge arrays in the object are bounded", () => {
    const [review] = examples;
    const head = JSON.stringify({ ...review, request: { ...review.request, object: "@" } });
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 100_000 }),
        fc.constantFrom("deep-array", "deep-object", "huge-array"),
        (size, shape) => {
          const extra =
            shape === "huge-array"
              ? `[${Array.from({ length: size % 20_000 }, () => '{"image":"nginx"}').join(",")}]`
              : deepJson(size, "1", shape === "deep-array");
          const object = `{"kind":"Pod","spec":{"containers":${extra},"x":${extra}}}`;
          checkBody(head.replace('"@"', object));
        },
      ),
      fuzzOptions(30),
    );
  });

  it("prototype names as the kind or a container field are plain data", () => {
    const [review] = examples;
    for (const name of PROTOTYPE_NAMES) {
      const object = { ...review.request.object, kind: name, [name]: { containers: [] } };
      const request = { ...review.request, kind: { group: "", version: "v1", kind: name }, object };
      checkBody(JSON.stringify({ ...review, request }));
      outcome(() => extractImages(object, { kind: name, imageExtractors: {} }), []);
    }
  });
});
