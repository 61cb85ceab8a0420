import type { VerifyImagesPolicy } from "../policy/index.ts";
import { engineError } from "./errors.ts";

/** Kubernetes allows a webhook at most 30 s. */
const MAX_TIMEOUT_SECONDS = 30;
const MAX_MARGIN_MS = 1000;

/**
 * The ms an evaluation may take: the shortest webhook timeout of the matched
 * policies (else the default), less a margin to send the answer in.
 */
export function budgetMs(
  matched: Iterable<VerifyImagesPolicy>,
  defaultTimeoutSeconds = 10,
  marginMs?: number,
): number {
  if (!(defaultTimeoutSeconds > 0 && defaultTimeoutSeconds <= MAX_TIMEOUT_SECONDS)) {
    throw engineError(
      "CONFIG_INVALID",
      `defaultTimeoutSeconds must be in (0, ${MAX_TIMEOUT_SECONDS}], got ${defaultTimeoutSeconds}`,
    );
  }
  let seconds = defaultTimeoutSeconds;
  let any = false;
  for (const policy of matched) {
    if (policy.webhookTimeoutSeconds === undefined) continue;
    seconds = any ? Math.min(seconds, policy.webhookTimeoutSeconds) : policy.webhookTimeoutSeconds;
    any = true;
  }
  const total = Math.min(seconds, MAX_TIMEOUT_SECONDS) * 1000;
  const margin = marginMs ?? Math.min(MAX_MARGIN_MS, total / 10);
  if (!(margin >= 0 && margin < total)) {
    throw engineError("CONFIG_INVALID", `marginMs must be in [0, ${total}), got ${margin}`);
  }
  return total - margin;
}
