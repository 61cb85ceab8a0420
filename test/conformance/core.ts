/**
 * The sigstore-conformance bundle-verify cases as data, and the loop that
 * drives them: each case twice, once with the artifact's file and once with
 * its `sha256:` digest, as the suite does. Runtime-neutral: the files come in
 * as bytes, so a Worker can run it on provided data.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { isImgverifyError } from "../../src/errors.ts";
import type { VerifyBundleFlags, VerifyBundleIo } from "../../src/verify/bundle/command.ts";
import { runVerifyBundleCommand } from "../../src/verify/bundle/command.ts";

/** The suite's defaults when a case has no `identity` / `issuer` file. */
export const DEFAULT_IDENTITY =
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
export const DEFAULT_ISSUER = "https://token.actions.githubusercontent.com";

/** Names the protocol's file arguments take; `--cli` maps them to real paths. */
export const CASE_FILES = {
  bundle: "bundle.sigstore.json",
  artifact: "artifact",
  key: "key.pub",
  trustedRoot: "trusted_root.json",
} as const;

export interface ConformanceCase {
  name: string;
  bundle: Uint8Array;
  /** The case's `artifact`, else the suite's `a.txt`. */
  artifact: Uint8Array;
  key?: Uint8Array;
  trustedRoot?: Uint8Array;
  identity: string;
  issuer: string;
}

export type ArtifactMode = "file" | "digest";

export interface CaseOutcome {
  name: string;
  mode: ArtifactMode;
  expected: "pass" | "fail";
  actual: "pass" | "fail";
  /** Why it failed (error code and message), empty when it passed. */
  detail: string;
  ms: number;
}

/** Runs one protocol invocation; resolves with "" on success or the failure's description. */
export type Invoke = (testCase: ConformanceCase, flags: VerifyBundleFlags) => Promise<string>;

/** Cases whose name ends in `_fail` must be rejected; all others must verify. */
export function expectedOutcome(name: string): "pass" | "fail" {
  return name.endsWith("_fail") ? "fail" : "pass";
}

/** The flags the suite passes for `testCase` in `mode` (see its docs/cli_protocol.md). */
export function protocolFlags(testCase: ConformanceCase, mode: ArtifactMode): VerifyBundleFlags {
  const flags: VerifyBundleFlags = {
    bundle: CASE_FILES.bundle,
    input:
      mode === "file" ? CASE_FILES.artifact : `sha256:${bytesToHex(sha256(testCase.artifact))}`,
  };
  if (testCase.key) flags.key = CASE_FILES.key;
  else {
    flags.certificateIdentity = testCase.identity;
    flags.certificateOidcIssuer = testCase.issuer;
  }
  if (testCase.trustedRoot) flags.trustedRoot = CASE_FILES.trustedRoot;
  return flags;
}

/** Verifies in this process through `runVerifyBundleCommand`, the case's files served from memory. */
export function inProcessInvoke(tufSeedsText: string): Invoke {
  return async (testCase, flags) => {
    try {
      await runVerifyBundleCommand(flags, memoryIo(testCase, tufSeedsText));
      return "";
    } catch (err) {
      if (isImgverifyError(err)) return `${err.code}: ${err.message}`;
      throw err; // anything else is a crash, not a verdict
    }
  };
}

export async function runConformance(
  cases: readonly ConformanceCase[],
  invoke: Invoke,
): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const testCase of cases) {
    for (const mode of ["file", "digest"] as const) {
      const started = performance.now();
      const detail = await invoke(testCase, protocolFlags(testCase, mode));
      outcomes.push({
        name: testCase.name,
        mode,
        expected: expectedOutcome(testCase.name),
        actual: detail === "" ? "pass" : "fail",
        detail,
        ms: performance.now() - started,
      });
    }
  }
  return outcomes;
}

/** A table of the outcomes that differ from the expectation, then the totals. */
export function formatReport(outcomes: readonly CaseOutcome[], label: string): string {
  const mismatches = outcomes.filter((o) => o.expected !== o.actual);
  const lines = mismatches.map(
    (o) =>
      `  ${o.name.padEnd(58)} ${o.mode.padEnd(6)} expected ${o.expected}, got ${o.actual}` +
      (o.detail ? `  (${o.detail})` : ""),
  );
  const passed = outcomes.length - mismatches.length;
  const meanMs = outcomes.reduce((sum, o) => sum + o.ms, 0) / Math.max(outcomes.length, 1);
  return [
    ...(mismatches.length > 0 ? [`${label}: mismatches`, ...lines] : []),
    `${label}: ${passed} passed, ${mismatches.length} failed (mean ${meanMs.toFixed(1)} ms per invocation)`,
  ].join("\n");
}

function memoryIo(testCase: ConformanceCase, tufSeedsText: string): VerifyBundleIo {
  const files = new Map<string, Uint8Array | undefined>([
    [CASE_FILES.bundle, testCase.bundle],
    [CASE_FILES.artifact, testCase.artifact],
    [CASE_FILES.key, testCase.key],
    [CASE_FILES.trustedRoot, testCase.trustedRoot],
  ]);
  return {
    async readFile(path) {
      const bytes = files.get(path);
      if (bytes === undefined) throw new Error(`${testCase.name}: no file ${path}`);
      return bytes;
    },
    isFile: async (path) => files.get(path) !== undefined,
    readTufSeeds: async () => tufSeedsText,
  };
}
