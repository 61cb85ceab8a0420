/**
 * What `check-policy` warns about without refusing: identity regular
 * expressions that are not anchored. Kyverno (through cosign) matches them
 * anywhere in the certificate's value, and so does imgverify, so
 * `subjectRegExp: https://github\.com/acme/` also trusts
 * `https://github.com/acme/../evil` and `https://evil.test/?https://github.com/acme/`:
 * usually a mistake that widens trust.
 */
import { isAnchored } from "../../verify/match.ts";
import type { Attestor, AttestorSet } from "../attestor-types.ts";
import type { VerifyImagesPolicy } from "../types.ts";

export interface PolicyWarning {
  /** The field's path in its document. */
  readonly path: string;
  readonly message: string;
}

const FIELDS = ["subjectRegExp", "issuerRegExp"] as const;

/** One warning per unanchored identity regular expression of `policy`, autogen copies left out. */
export function identityWarnings(policy: VerifyImagesPolicy): PolicyWarning[] {
  const sets = policy.rules
    .filter((rule) => rule.autogen === undefined)
    .flatMap((rule) => rule.verifyImages)
    .flatMap((entry) => [...entry.attestors, ...entry.attestations.flatMap((a) => a.attestors)]);
  return sets.flatMap(attestorsOf).flatMap((attestor) => {
    if (attestor.kind !== "keyless") return [];
    return FIELDS.flatMap((field) => {
      const pattern = attestor[field];
      if (pattern === undefined || isAnchored(pattern)) return [];
      return [
        {
          path: `${attestor.path}.keyless.${field}`,
          message: `${field} ${JSON.stringify(pattern)} is not anchored: it matches anywhere in the certificate's value, as in Kyverno; write ^…$ unless a partial match is meant`,
        },
      ];
    });
  });
}

function attestorsOf(set: AttestorSet): Attestor[] {
  return set.entries.flatMap((entry) =>
    entry.kind === "nested" ? attestorsOf(entry.attestorSet) : [entry],
  );
}
