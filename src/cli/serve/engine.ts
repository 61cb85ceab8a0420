/**
 * What `serve` serves: the engine over the policies given with --policy, or,
 * without them, the demo over an in-process registry and the curl lines that
 * try it.
 */
import { type Fetch, type Logger, systemClock } from "../../deps.ts";
import type { Sha256 } from "../../digest/types.ts";
import type { EngineContext } from "../../engine/index.ts";
import type { GlobalOptions } from "../flags/global-flags.ts";
import type { CliIo } from "../io.ts";
import { loadPolicyArgs } from "../policy-files.ts";
import { cliRegistryClient } from "../registry-client.ts";
import { trustedRootJson } from "../trusted-root.ts";
import type { CacheChoice } from "./cache.ts";
import { CONFIG_MAP_SOURCE } from "./config-maps.ts";
import { type ObjectSourceChoice, openChosenSource } from "./object-source.ts";
import { SECRET_SOURCE } from "./secrets.ts";

/** Where rule context ConfigMaps and `keys.secret` Secrets come from (--config-maps, --secrets). */
export interface ObjectSourceChoices {
  readonly configMaps: ObjectSourceChoice;
  readonly secrets: ObjectSourceChoice;
}

/**
 * The engine over the policies under `policyArgs`, loaded before listening:
 * an invalid policy stops the server from starting (PolicyLoadError, exit 2).
 */
export async function loadEngine(
  io: CliIo,
  policyArgs: readonly string[],
  trustedRoot: string | undefined,
  sourceChoices: ObjectSourceChoices,
  cacheChoice: CacheChoice,
  global: GlobalOptions,
  logger: Logger,
  sha256: Promise<Sha256>,
): Promise<EngineContext> {
  const [{ VerificationCache }, { prepareTrustMaterial }] = await Promise.all([
    import("../../engine/index.ts"),
    import("../../engine/checks/index.ts"),
  ]);
  const [loaded, root, { client }] = await Promise.all([
    loadPolicyArgs(io, policyArgs, "serve"),
    trustedRootJson(io, trustedRoot),
    cliRegistryClient(io, global, logger, sha256),
  ]);
  logger.info("policies loaded", {
    policies: loaded.policies.map((p) => p.name),
    skipped: loaded.skipped.length,
  });
  const context = { io, global, logger };
  const [kubeConfigMaps, kubeSecrets] = await Promise.all([
    openChosenSource(CONFIG_MAP_SOURCE, sourceChoices.configMaps, loaded.configMaps, context),
    openChosenSource(SECRET_SOURCE, sourceChoices.secrets, loaded.secrets, context),
  ]);
  return {
    policies: loaded.policies,
    client,
    trust: prepareTrustMaterial(root),
    clock: systemClock,
    cache: new VerificationCache({ ...cacheChoice, clock: systemClock }),
    options: {
      configMaps: kubeConfigMaps ?? loaded.configMaps,
      secrets: kubeSecrets?.source ?? loaded.secrets,
      // Bare pull-secret names are imgverify's own: in the cluster, its service account's namespace.
      ...(kubeSecrets && { ownNamespace: kubeSecrets.namespace }),
    },
  };
}

/** The demo engine when no --policy is given (see src/demo/). */
export async function demoEngine(
  fetch: Fetch,
  logger: Logger,
  sha256: Promise<Sha256>,
  cacheChoice: CacheChoice,
): Promise<EngineContext> {
  const { createDemo } = await import("../../demo/index.ts");
  const deps = { fetch, clock: systemClock, logger, sha256: await sha256 };
  const { engine } = await createDemo(deps, cacheChoice);
  logger.info("demo mode: no --policy given", { policies: engine.policies.map((p) => p.name) });
  return engine;
}

export interface DemoCommands {
  admit: string;
  deny: string;
}

/**
 * curl lines posting the example AdmissionReviews, run from the repository
 * root; `authHeader` is the option sending the caller's credentials.
 */
export function demoCommands(curlBase: string, url: string, authHeader?: string): DemoCommands {
  const auth = authHeader === undefined ? "" : `${authHeader} `;
  const post = (file: string, route: string): string =>
    `${curlBase}-s -X POST -H 'Content-Type: application/json' ${auth}--data @examples/${file} ${url}/${route}`;
  return { admit: post("admit.json", "mutate"), deny: post("deny.json", "mutate") };
}

export function demoText({ admit, deny }: DemoCommands): string {
  return [
    "",
    "DEMO: no --policy was given, so a demo ClusterPolicy checks images in an in-process",
    "registry (demo.imgverify.local) signed with a key made at startup. To enforce your own",
    "Kyverno policies instead: serve --policy DIR",
    "From the repository root, a signed image is admitted (with the digest-pinning patch):",
    admit,
    "and an unsigned image is denied:",
    deny,
    "",
  ].join("\n");
}
