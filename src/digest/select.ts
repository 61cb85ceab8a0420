/**
 * Picks a SHA-256 implementation. The runtime loaders (src/runtime/sha256-*.ts)
 * only say how to obtain the compiled module; everything else is here.
 */
import type { Logger } from "../deps.ts";
import { ImgverifyError } from "../errors.ts";
import { nobleSha256 } from "./noble.ts";
import type { DigestErrorCode, Sha256, Sha256Impl } from "./types.ts";
import { createWasmSha256 } from "./wasm.ts";
import { webcryptoSha256 } from "./webcrypto.ts";

/**
 * One-shot inputs at least this large go to WebCrypto. Awaiting
 * `crypto.subtle.digest` costs a fixed ~10-40 us, then it hashes at ~330-350 MB/s
 * (x86-64 without SHA extensions); the WASM core runs at ~200-340 MB/s with no
 * such cost. Measured with bench/digest.ts: on Node 20, WASM is 1.6x faster at
 * 4 KiB and 1.1x at 8 KiB, WebCrypto 1.2x faster at 16 KiB; on Bun (the
 * webhook's runtime) WASM is 1.1-1.5x faster at 8 KiB over several full runs
 * and they tie at 16 KiB. Inputs below 16 KiB, most manifests and payloads,
 * stay in WASM.
 */
export const WEBCRYPTO_ONE_SHOT_MIN_BYTES: number = 16 * 1024;

/** `streaming` for streams and small inputs, WebCrypto for large one-shot inputs. */
export function withWebCryptoOneShot(streaming: Sha256): Sha256 {
  return {
    impl: streaming.impl,
    stream: () => streaming.stream(),
    hash: (data) =>
      data instanceof Uint8Array && data.byteLength >= WEBCRYPTO_ONE_SHOT_MIN_BYTES
        ? webcryptoSha256.hash(data)
        : streaming.hash(data),
  };
}

/** The implementation named `impl`, exactly: "wasm" needs the compiled module. */
export async function getSha256(
  impl: Sha256Impl,
  wasmModule?: WebAssembly.Module,
): Promise<Sha256> {
  switch (impl) {
    case "noble":
      return nobleSha256;
    case "webcrypto":
      return webcryptoSha256;
    case "wasm":
      if (wasmModule === undefined) {
        throw new ImgverifyError<DigestErrorCode>(
          "DIGEST_WASM_INVALID",
          "the wasm SHA-256 needs its compiled WebAssembly module, and none was given",
        );
      }
      return createWasmSha256(wasmModule);
  }
}

/** Loads and instantiates the WASM core; any failure is a `DIGEST_WASM_INVALID`. */
async function loadWasmSha256(loadModule: () => Promise<WebAssembly.Module>): Promise<Sha256> {
  let module: WebAssembly.Module;
  try {
    module = await loadModule();
  } catch (err) {
    throw new ImgverifyError<DigestErrorCode>(
      "DIGEST_WASM_INVALID",
      `the SHA-256 WebAssembly module cannot be loaded: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return createWasmSha256(module);
}

/**
 * The default: the WASM core, with WebCrypto for large one-shot inputs. When the
 * module cannot be loaded or instantiated, @noble/hashes, with the reason logged.
 */
export async function defaultSha256(
  loadModule: () => Promise<WebAssembly.Module>,
  logger: Pick<Logger, "warn">,
): Promise<Sha256> {
  try {
    return withWebCryptoOneShot(await loadWasmSha256(loadModule));
  } catch (err) {
    logger.warn("SHA-256: the WebAssembly core is unavailable, using @noble/hashes", {
      reason: err instanceof Error ? err.message : String(err),
    });
    return nobleSha256;
  }
}

/** What a runtime loader returns: the default when `impl` is absent, else exactly `impl`. */
export async function selectSha256(
  impl: Sha256Impl | undefined,
  loadModule: () => Promise<WebAssembly.Module>,
  logger: Pick<Logger, "warn">,
): Promise<Sha256> {
  if (impl === undefined) return defaultSha256(loadModule, logger);
  return impl === "wasm" ? loadWasmSha256(loadModule) : getSha256(impl);
}
