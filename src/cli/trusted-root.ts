/** Key, certificate and trusted-root files the verifying commands (verify, apply, serve) read. */

import { bundleIo } from "./commands/verify-bundle.ts";
import type { CliIo } from "./io.ts";

export async function readText(io: Pick<CliIo, "readChunks">, path: string): Promise<string> {
  return new TextDecoder().decode(await bundleIo(io).readFile(path));
}

/** The trusted root JSON: the file given, else the production root built into @sigstore/tuf. */
export async function trustedRootJson(
  io: Pick<CliIo, "readChunks">,
  path: string | undefined,
): Promise<unknown> {
  const { trustRootError } = await import("../verify/trust/errors.ts");
  if (path === undefined) {
    const { trustedRootFromTufSeeds } = await import("../verify/trust/tuf-seeds.ts");
    return trustedRootFromTufSeeds(await bundleIo(io).readTufSeeds());
  }
  try {
    return JSON.parse(await readText(io, path));
  } catch (err) {
    throw trustRootError(`${path} is not JSON`, err);
  }
}
