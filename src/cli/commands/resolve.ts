import { type Deps, systemClock } from "../../deps.ts";
import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, usageError } from "../errors.ts";
import { terminalLogger } from "../logger.ts";
import { writeJson } from "../output.ts";

export const resolveCommand: Command = defineCommand({
  name: "resolve",
  summary: "Print the digest of a tag's manifest or index.",
  usage: "REF",
  details: `
Asks the registry for the manifest or index REF names, by HEAD (which registry
pull limits do not count), and prints its digest, sha256:<hex>. With --json,
prints {"reference", "digest", "mediaType", "size"}, the reference in its
canonical form (nginx is docker.io/library/nginx:latest).

Exit 1 when the repository or tag does not exist. Exit 2 on an invalid
reference, a refused address (plain HTTP, loopback or private: see
--insecure-registry), missing or rejected credentials, network errors and
timeouts.`,
  flags: {},
  async run({ io, positionals, global }) {
    const [input, ...extra] = positionals;
    if (input === undefined || extra.length > 0) {
      throw usageError("resolve needs exactly one REF", "resolve");
    }
    // Loaded here, not at the top, so other commands start without the registry client.
    const { RegistryClient, formatReference, parseReference } = await import("../../oci/index.ts");
    const ref = parseReference(input);
    const logger = terminalLogger(io.stderr);
    const [credentials, sha256] = await Promise.all([
      io.loadRegistryCredentials(global.registryConfig),
      io.loadSha256(undefined, logger),
    ]);
    const deps: Deps = {
      fetch: io.fetch({ timeoutMs: global.timeoutMs }),
      clock: systemClock,
      logger,
      sha256,
    };
    const client = new RegistryClient({
      deps,
      credentials,
      insecureRegistries: global.insecureRegistries,
      timeoutMs: global.timeoutMs,
    });
    const { digest, mediaType, size } = await client.resolve(ref);
    if (global.json) writeJson(io, { reference: formatReference(ref), digest, mediaType, size });
    else io.stdout(`${digest}\n`);
    return EXIT_OK;
  },
});
