/**
 * The engine `apply` and `test` run offline: the webhook's, over the live
 * registries, with the ConfigMaps and Secrets given beside the policies and
 * one verified-result cache for every resource of the run.
 */
import { systemClock } from "../deps.ts";
import type { EngineContext } from "../engine/index.ts";
import type { GlobalOptions } from "./flags/global-flags.ts";
import type { CliIo } from "./io.ts";
import { terminalLogger } from "./logger.ts";
import { loadPolicyArgs } from "./policy-files.ts";
import { cliRegistryClient } from "./registry-client.ts";
import { trustedRootJson } from "./trusted-root.ts";

export async function offlineEngine(
  io: CliIo,
  global: GlobalOptions,
  policyArgs: readonly string[],
  trustedRootPath: string | undefined,
  command: string,
): Promise<EngineContext> {
  const logger = terminalLogger(io.stderr);
  const [{ VerificationCache }, { prepareTrustMaterial }] = await Promise.all([
    import("../engine/index.ts"),
    import("../engine/checks/index.ts"),
  ]);
  const [loaded, root, { client }] = await Promise.all([
    loadPolicyArgs(io, policyArgs, command),
    trustedRootJson(io, trustedRootPath),
    cliRegistryClient(io, global, logger),
  ]);
  return {
    policies: loaded.policies,
    client,
    trust: prepareTrustMaterial(root),
    clock: systemClock,
    // Resources often share images: what one verified, the next need not fetch again.
    cache: new VerificationCache({ clock: systemClock }),
    options: {
      configMaps: loaded.configMaps,
      secrets: loaded.secrets,
      defaultTimeoutSeconds: global.timeoutMs / 1000,
    },
  };
}
