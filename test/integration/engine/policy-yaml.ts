/**
 * Kyverno ClusterPolicy YAML as users write it, for the engine's integration
 * tests, loaded by the real loader. Keys go in as one-line flow values (JSON
 * is YAML), so a PEM needs no block indentation.
 */
import { expect } from "vitest";
import { readPolicies, type VerifyImagesPolicy } from "../../../src/policy/index.ts";

/** Policies from YAML text; any load issue fails the test. */
export function loadPolicies(yaml: string): VerifyImagesPolicy[] {
  const result = readPolicies([{ path: "policies.yaml", text: yaml }]);
  expect(result.issues).toEqual([]);
  return [...result.policies];
}

/** A YAML flow value. */
export const yamlValue = (value: unknown): string => JSON.stringify(value);

/** A keys attestor entry for `publicPem`; without a transparency log unless `rekor` is true. */
export const keyEntry = (publicPem: string, rekor = false): string =>
  yamlValue({
    keys: { publicKeys: publicPem, ...(!rekor && { rekor: { ignoreTlog: true } }) },
  });

export interface PolicySettings {
  action?: "Enforce" | "Audit";
  failurePolicy?: "Fail" | "Ignore";
  webhookTimeoutSeconds?: number;
}

/** A ClusterPolicy of `rules` (rule name -> its verifyImages entries, from `entry`), matching Pods. */
export function clusterPolicy(
  name: string,
  rules: Record<string, string>,
  settings: PolicySettings = {},
): string {
  const body = Object.entries(rules)
    .map(
      ([rule, verifyImages]) => `
    - name: ${rule}
      match:
        any:
          - resources:
              kinds: [Pod]
      verifyImages:
${verifyImages}`,
    )
    .join("");
  const { action = "Enforce", failurePolicy, webhookTimeoutSeconds } = settings;
  return `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: ${name}
spec:
  validationFailureAction: ${action}
  background: false${failurePolicy === undefined ? "" : `\n  failurePolicy: ${failurePolicy}`}${
    webhookTimeoutSeconds === undefined ? "" : `\n  webhookTimeoutSeconds: ${webhookTimeoutSeconds}`
  }
  rules:${body}
`;
}

export interface EntryOptions {
  /** `count` of the attestor set. */
  count?: number;
  /** More fields of the entry, one YAML line each (`type: SigstoreBundle`, `required: false`). */
  fields?: string[];
  /** The entry's `attestations` block, as YAML indented for an entry's field. */
  attestations?: string;
}

/** One verifyImages entry for images matching `pattern`, with one attestor set of `attestors`. */
export function entry(pattern: string, attestors: string[], options: EntryOptions = {}): string {
  const set =
    options.count === undefined
      ? "- entries:"
      : `- count: ${options.count}\n              entries:`;
  return [
    `        - imageReferences: ["${pattern}"]`,
    ...(options.fields ?? []).map((line) => `          ${line}`),
    "          attestors:",
    `            ${set}`,
    ...attestors.map((a) => `                - ${a}`),
    ...(options.attestations === undefined ? [] : [options.attestations]),
  ].join("\n");
}
