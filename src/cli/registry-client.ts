/** The registry client a command gets from the global flags: credentials, plain-HTTP hosts, --timeout. */
import type { Logger } from "../deps.ts";
import { systemClock } from "../deps.ts";
import type { Sha256 } from "../digest/types.ts";
import type { RegistryClient } from "../oci/index.ts";
import type { GlobalOptions } from "./flags/global-flags.ts";
import type { CliIo } from "./io.ts";

export async function cliRegistryClient(
  io: CliIo,
  global: GlobalOptions,
  logger: Logger,
  /** The digest core when the caller has started loading it already. */
  sha256Source: Promise<Sha256> = io.loadSha256(undefined, logger),
): Promise<{ client: RegistryClient; sha256: Sha256 }> {
  const [{ RegistryClient }, credentials, sha256] = await Promise.all([
    import("../oci/index.ts"),
    io.loadRegistryCredentials(global.registryConfig),
    sha256Source,
  ]);
  const client = new RegistryClient({
    deps: { fetch: io.fetch({ timeoutMs: global.timeoutMs }), clock: systemClock, logger, sha256 },
    credentials,
    insecureRegistries: global.insecureRegistries,
    timeoutMs: global.timeoutMs,
  });
  return { client, sha256 };
}
