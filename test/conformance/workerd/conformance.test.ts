import { expect, inject, test } from "vitest";
import { decodeCases } from "./provided-cases.ts";

// core.ts as bundled with the crypto alias by vitest.config.ts: the same exports.
const { formatReport, inProcessInvoke, runConformance }: typeof import("../core.ts") = await import(
  "imgverify-conformance-core" as string
);

test("every sigstore-conformance bundle case, file and digest, has its expected outcome in workerd", async () => {
  const cases = decodeCases(inject("conformanceCases"));
  expect(
    cases.length,
    "the sigstore-conformance corpora are absent: set IMGVERIFY_CORPORA",
  ).toBeGreaterThan(0);
  const outcomes = await runConformance(cases, inProcessInvoke(inject("tufSeeds")));
  console.log(formatReport(outcomes, "workerd"));
  const mismatches = outcomes.filter((o) => o.expected !== o.actual);
  expect(mismatches.map((o) => `${o.name} ${o.mode}: ${o.detail || "passed"}`)).toEqual([]);
  expect(outcomes).toHaveLength(cases.length * 2);
});
