/**
 * The production trusted root shipped inside `@sigstore/tuf`'s `seeds.json`:
 * the TUF repository's initial `root.json` and targets, base64-encoded. It is
 * the offline default when no `--trusted-root` is given; reading the file is
 * the caller's business.
 */
import { trustRootError } from "./errors.ts";

export const PRODUCTION_TUF_REPOSITORY = "https://tuf-repo-cdn.sigstore.dev";
/** seeds.json is about 20 KiB; anything far larger is not it. */
const MAX_SEEDS_CHARS = 4 * 1024 * 1024;

/** The parsed `trusted_root.json` target of `repository` in the seeds text. */
export function trustedRootFromTufSeeds(
  seedsJsonText: string,
  repository: string = PRODUCTION_TUF_REPOSITORY,
): unknown {
  if (seedsJsonText.length > MAX_SEEDS_CHARS) {
    throw trustRootError(
      `TUF seeds are ${seedsJsonText.length} characters, more than ${MAX_SEEDS_CHARS}`,
    );
  }
  let target: unknown;
  try {
    target = JSON.parse(seedsJsonText)?.[repository]?.targets?.["trusted_root.json"];
  } catch (err) {
    throw trustRootError(`TUF seeds are not JSON: ${(err as Error).message}`, err);
  }
  if (typeof target !== "string") {
    throw trustRootError(`TUF seeds hold no trusted_root.json target for ${repository}`);
  }
  try {
    const bytes = Uint8Array.from(atob(target), (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw trustRootError(
      `the trusted_root.json target for ${repository} in the TUF seeds is not base64 JSON`,
      err,
    );
  }
}
