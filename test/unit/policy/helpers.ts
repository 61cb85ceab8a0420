import {
  type LoadResult,
  readPolicies,
  type VerifyImagesPolicy,
} from "../../../src/policy/index.ts";

export const PEM = [
  "-----BEGIN PUBLIC KEY-----",
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8nXRh950IZbRj8Ra/N9sbqOPZrfM",
  "5/KAQN0/KjHcorm/J5yctVd7iEcnessRQjU917hmKO6JWVGHpDguIyakZA==",
  "-----END PUBLIC KEY-----",
].join("\n");

/** Indents a YAML block by `n` spaces (for embedding snippets). */
export function indent(text: string, n: number): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `${" ".repeat(n)}${line}`))
    .join("\n");
}

/** A ClusterPolicy with one Pod rule whose single verifyImages entry is `entry` (YAML, at entry level). */
export function policyWith(
  entry: string,
  extra: { spec?: string; rule?: string; metadata?: string } = {},
): string {
  return [
    "apiVersion: kyverno.io/v1",
    "kind: ClusterPolicy",
    "metadata:",
    "  name: p",
    extra.metadata === undefined ? "" : indent(extra.metadata, 2),
    "spec:",
    extra.spec === undefined ? "" : indent(extra.spec, 2),
    "  rules:",
    "  - name: r",
    "    match:",
    "      any:",
    "      - resources:",
    "          kinds: [Pod]",
    extra.rule === undefined ? "" : indent(extra.rule, 4),
    "    verifyImages:",
    `    - ${indent(entry, 6).trimStart()}`,
  ]
    .filter((line) => line !== "")
    .join("\n");
}

export const KEYED_ENTRY: string = [
  "imageReferences: ['ghcr.io/org/*']",
  "attestors:",
  "- entries:",
  "  - keys:",
  "      publicKeys: |-",
  indent(PEM, 8),
].join("\n");

export function load(...texts: string[]): LoadResult {
  return readPolicies(texts.map((text, i) => ({ path: `p${i}.yaml`, text })));
}

export function loadOne(text: string): VerifyImagesPolicy {
  const result = load(text);
  if (result.issues.length > 0) throw new Error(JSON.stringify(result.issues, null, 2));
  const [policy] = result.policies;
  if (policy === undefined) throw new Error("no policy loaded");
  return policy;
}

/** `code path` of every issue, for exact comparisons. */
export function issuePaths(text: string): string[] {
  return load(text).issues.map((i) => `${i.code} ${i.path}`);
}
