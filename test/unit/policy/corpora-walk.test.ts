import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadRuleData, readPolicies, resolveRule } from "../../../src/policy/index.ts";
import { corporaPresent, corpusText, yamlFilesUnder } from "./corpora.ts";

const CHAINSAW = "kyverno/test/conformance/chainsaw/verify-images";
const SAMPLES = "kyverno-policies";
const VI = `spec.rules[0].verifyImages[0]`;

/** Every refusal, by file, with the field that asks for the unsupported feature. */
const EXPECTED_REFUSED: Readonly<Record<string, string>> = {
  [`${SAMPLES}/other/verify-image-gcpkms/verify-image-gcpkms.yaml`]: `${VI}.attestors[0].entries[0].keys.kms`,
};

interface Row {
  file: string;
  document: number;
  name: string;
  outcome: string;
}

/** Documents that are Kyverno ClusterPolicy/Policy objects with at least one verifyImages rule. */
function verifyImagesDocuments(file: string): number[] {
  return parseAllDocuments(corpusText(file)).flatMap((doc, index) => {
    const value = doc.toJS() as {
      kind?: string;
      apiVersion?: string;
      spec?: { rules?: { verifyImages?: unknown }[] };
    } | null;
    const isPolicy =
      value?.apiVersion?.startsWith("kyverno.io/") &&
      (value.kind === "ClusterPolicy" || value.kind === "Policy");
    return isPolicy && value?.spec?.rules?.some((r) => r.verifyImages !== undefined) ? [index] : [];
  });
}

function walk(root: string): Row[] {
  const rows: Row[] = [];
  for (const file of yamlFilesUnder(root)) {
    const documents = verifyImagesDocuments(file);
    if (documents.length === 0) continue;
    const result = readPolicies([{ path: file, text: corpusText(file) }]);
    for (const document of documents) {
      const loaded = result.policies.find((p) => p.source.document === document);
      const refused = result.refused.find((r) => r.document === document);
      if (loaded !== undefined) {
        rows.push({
          file,
          document,
          name: loaded.name,
          outcome: `loaded (${loaded.rules.length} rules)`,
        });
        continue;
      }
      // A refusal must be for a named unsupported feature, never a parse or validation failure.
      expect(refused?.issues.map((i) => i.code)).toEqual(
        refused?.issues.map(() => "UNSUPPORTED_FEATURE"),
      );
      expect(refused?.issues.every((i) => i.path.startsWith("spec.") && i.message.length > 0)).toBe(
        true,
      );
      rows.push({
        file,
        document,
        name: refused?.name ?? "?",
        outcome: `refused: ${refused?.issues.map((i) => `${i.path} (${i.message})`).join("; ")}`,
      });
    }
  }
  return rows;
}

describe.skipIf(!corporaPresent)(
  "every published verifyImages policy loads or is refused for a named feature",
  () => {
    it("walks the Kyverno conformance tests and the sample policies", () => {
      const rows = [...walk(CHAINSAW), ...walk(SAMPLES)];
      console.log(
        [
          "| file | # | policy | outcome |",
          "|---|---|---|---|",
          ...rows.map((r) => `| ${r.file} | ${r.document} | ${r.name} | ${r.outcome} |`),
        ].join("\n"),
      );
      const refused = rows.filter((r) => r.outcome.startsWith("refused"));
      expect(
        Object.fromEntries(
          refused.map((r) => [r.file, r.outcome.slice("refused: ".length).split(" (")[0]]),
        ),
      ).toEqual(EXPECTED_REFUSED);
      expect(rows.filter((r) => r.file.startsWith(CHAINSAW))).toHaveLength(48);
      expect(rows.filter((r) => r.file.startsWith(SAMPLES))).toHaveLength(11);
      expect(rows.length - refused.length).toBe(58);
    });
  },
);

/** ImageValidatingPolicy refusals, by file: the first field each asks for. */
const EXPECTED_IVPOL_REFUSED: Readonly<Record<string, string>> = {};

/** Documents that are whole ImageValidatingPolicies (chainsaw's readiness fragments have no spec). */
function ivpolDocuments(file: string): number[] {
  return parseAllDocuments(corpusText(file)).flatMap((doc, index) => {
    const value = doc.toJS() as { kind?: string; spec?: unknown } | null;
    return value?.kind === "ImageValidatingPolicy" && value.spec !== undefined ? [index] : [];
  });
}

describe.skipIf(!corporaPresent)("the ImageValidatingPolicy samples in the corpora", () => {
  it("load, or are refused for a named feature", () => {
    const outcomes: Record<string, string> = {};
    for (const file of [...yamlFilesUnder("kyverno/test"), ...yamlFilesUnder(SAMPLES)]) {
      const documents = ivpolDocuments(file);
      if (documents.length === 0) continue;
      const result = readPolicies([{ path: file, text: corpusText(file) }]);
      for (const document of documents) {
        const refused = result.refused.find((r) => r.document === document);
        expect(refused?.issues.every((i) => i.code === "UNSUPPORTED_FEATURE") ?? true).toBe(true);
        outcomes[file] = refused?.issues[0]?.path ?? "loaded";
      }
    }
    const refused = Object.fromEntries(Object.entries(outcomes).filter(([, o]) => o !== "loaded"));
    expect(refused).toEqual(EXPECTED_IVPOL_REFUSED);
    expect(Object.keys(outcomes)).toHaveLength(8);
  });
});

describe.skipIf(!corporaPresent)("ConfigMap context from the conformance tests", () => {
  const now = Date.parse("2024-06-01T00:00:00Z");
  const base = { request: { namespace: "default", operation: "CREATE" } };

  it("resolves a Notary certificate from the ConfigMap in the same file", async () => {
    const file = `${CHAINSAW}/clusterpolicy/standard/notary-image-verification/policy.yaml`;
    const result = readPolicies([{ path: file, text: corpusText(file) }]);
    const rule = result.policies[0]?.rules[0];
    if (rule === undefined) throw new Error("no rule");
    const data = await loadRuleData(rule.context, base, result.configMaps, { now });
    const entry = resolveRule(rule, data, { now }).verifyImages[0]?.attestors[0]?.entries[0];
    expect(
      entry?.kind === "certificates" && entry.cert?.startsWith("-----BEGIN CERTIFICATE-----"),
    ).toBe(true);
  });

  it("fails the rule, not the load, when the ConfigMap is absent", async () => {
    const file = `${CHAINSAW}/clusterpolicy/standard/noconfigmap-diffimage-success/policy.yaml`;
    const result = readPolicies([{ path: file, text: corpusText(file) }]);
    const rule = result.policies[0]?.rules[0];
    await expect(
      loadRuleData(rule?.context ?? [], base, result.configMaps, { now }),
    ).rejects.toMatchObject({ code: "CONTEXT_UNRESOLVED" });
  });
});
