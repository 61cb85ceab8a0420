import type { Repository } from "../../oci/reference.ts";
import type { Outcome } from "./outcomes.ts";
import type {
  CheckContext,
  Evidence,
  ImageTarget,
  TrustPolicy,
  VerifiedSignature,
} from "./types.ts";

/**
 * One format's check with the policy already prepared (keys parsed, patterns
 * compiled): the outcome of every artifact of that format stored for the image.
 */
export type FormatRun = (
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  evidence: Evidence,
) => Promise<(Outcome<VerifiedSignature> | undefined)[]>;

/**
 * The settings of `policy` only classic cosign signatures can apply (its own
 * log keys, payload annotations), named for a format's refusal. Sigstore
 * bundles take the TSA chain too; `withTimestamps` names it for the rest.
 */
export function cosignOnlySettings(policy: TrustPolicy, withTimestamps: boolean): string[] {
  return [
    policy.rekorKey !== undefined && "a Rekor public key (rekor.pubkey)",
    policy.ctlogKey !== undefined && "a CT log public key (ctlog.pubkey)",
    withTimestamps &&
      policy.tsaCertChain !== undefined &&
      "a timestamp authority chain (ctlog.tsaCertChain)",
    Object.keys(policy.annotations ?? {}).length > 0 && "required payload annotations",
  ].filter((setting): setting is string => typeof setting === "string");
}
