/**
 * SHA-256 for Cloudflare Workers: workerd refuses to compile WebAssembly bytes
 * at run time, so the module is imported and arrives already compiled.
 */
import sha256Module from "../../../wasm/build/sha256.wasm";
import type { Logger } from "../../deps.ts";
import { selectSha256 } from "../../digest/select.ts";
import type { Sha256, Sha256Impl } from "../../digest/types.ts";

/** The compiled WASM module, as workerd hands it over. */
export function loadSha256Module(): Promise<WebAssembly.Module> {
  return Promise.resolve(sha256Module);
}

/**
 * The SHA-256 named by `impl`, or when absent the default: the WASM core (with
 * WebCrypto for large one-shot inputs), falling back to @noble/hashes with the
 * reason logged if the module does not instantiate.
 */
export function loadSha256(
  impl?: Sha256Impl,
  logger: Pick<Logger, "warn"> = console,
): Promise<Sha256> {
  return selectSha256(impl, loadSha256Module, logger);
}
