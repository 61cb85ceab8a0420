/**
 * Finds and reads the Docker `config.json` that holds registry credentials;
 * `src/oci/auth/credentials.ts` parses it. Uses `node:` APIs, which Node, Bun and
 * Deno all provide.
 */
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { usageError } from "../cli/errors.ts";
import { ImgverifyError, isImgverifyError } from "../errors.ts";
import { type CredentialSource, parseDockerConfig } from "../oci/auth/credentials.ts";

/** A config.json is a few KiB even with many registries. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const noCredentials: CredentialSource = { lookup: () => undefined };

/** Short words for the file errors people meet; anything else keeps its own message. */
export function fileErrorReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return err instanceof Error ? err.message : String(err);
}

/**
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as the docker
 * CLI looks, `~` being `$HOME` first: Deno reads the home directory from the
 * system only with --allow-sys, which the serve entry does not ask for.
 * Undefined when there is no home to look in.
 */
export function defaultDockerConfigPath(
  env: Record<string, string | undefined>,
): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  let home = env.HOME;
  if (!home) {
    try {
      home = homedir();
    } catch {
      return undefined;
    }
  }
  return join(home, ".docker", "config.json");
}

function configError(
  path: string,
  reason: string,
  cause: unknown,
): ImgverifyError<"CLI_REGISTRY_CONFIG"> {
  return new ImgverifyError("CLI_REGISTRY_CONFIG", `registry config "${path}": ${reason}`, {
    cause,
  });
}

/**
 * Credentials from `explicitPath`, or from the default location when absent.
 * A missing explicit file is a usage error; a missing default file means no
 * credentials; an unreadable, oversized or malformed file names itself.
 */
export async function loadDockerCredentials(
  explicitPath: string | undefined,
  env: Record<string, string | undefined>,
): Promise<CredentialSource> {
  const path = explicitPath ?? defaultDockerConfigPath(env);
  if (path === undefined) return noCredentials;
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_CONFIG_BYTES) {
      throw configError(path, `larger than ${MAX_CONFIG_BYTES} bytes`, undefined);
    }
    text = await readFile(path, "utf8");
  } catch (err) {
    if (isImgverifyError(err)) throw err;
    const missing = (err as { code?: unknown }).code === "ENOENT";
    if (missing && explicitPath === undefined) return noCredentials;
    if (missing) throw usageError(`--registry-config file "${path}" does not exist`);
    throw configError(path, `cannot read: ${fileErrorReason(err)}`, err);
  }
  try {
    return parseDockerConfig(text);
  } catch (err) {
    throw configError(path, err instanceof Error ? err.message : String(err), err);
  }
}
