import type { Repository } from "../../oci/reference.ts";
import type { Outcome } from "./outcomes.ts";
import type { CheckContext, Evidence, ImageTarget, VerifiedSignature } from "./types.ts";

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
