/**
 * `--policy FILE|DIR` of `certs` and `webhook-config`: the policies `serve`
 * will be given, read the same way, so the configurations send what they
 * match and wait as long as they ask.
 */
import type { VerifyImagesPolicy } from "../../policy/index.ts";
import type { RepeatedStringFlag } from "../flags/args.ts";
import type { CliIo } from "../io.ts";
import { loadPolicyArgs } from "../policy-files.ts";

export const webhookPolicyFlag: RepeatedStringFlag = {
  type: "string",
  multiple: true,
  value: "FILE|DIR",
  description:
    "Policies the webhook serves: the rules also send what their ImageValidatingPolicies match, the timeout is the longest they set. Repeatable.",
};

/** The policies under `args` (none without any); a refused one is a PolicyLoadError naming its file (exit 2). */
export async function loadWebhookPolicies(
  io: CliIo,
  args: readonly string[],
  command: string,
): Promise<readonly VerifyImagesPolicy[]> {
  if (args.length === 0) return [];
  return (await loadPolicyArgs(io, args, command)).policies;
}
