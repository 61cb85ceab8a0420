/**
 * SHA-256 for Node, Bun and Deno: the WASM core compiled from the committed
 * module's bytes (all three read files with node:fs/promises and compile bytes).
 */
import { readFile } from "node:fs/promises";
import type { Logger } from "../deps.ts";
import { selectSha256 } from "../digest/select.ts";
import type { Sha256, Sha256Impl } from "../digest/types.ts";

const moduleUrl = new URL("../../wasm/build/sha256.wasm", import.meta.url);
let compiled: Promise<WebAssembly.Module> | undefined;

interface EmbeddedFile {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * The module's bytes. A `bun build --compile` executable has no wasm/ folder
 * beside it: scripts/compile.ts embeds the file, and Bun lists it here.
 */
function moduleBytes(): Promise<ArrayBuffer | Uint8Array> {
  const bun = (globalThis as unknown as { Bun?: { embeddedFiles?: readonly EmbeddedFile[] } }).Bun;
  const embedded = bun?.embeddedFiles?.find((file) => file.name === "sha256.wasm");
  return embedded ? embedded.arrayBuffer() : readFile(moduleUrl);
}

/** The compiled WASM module, read and compiled once per process. */
export function loadSha256Module(): Promise<WebAssembly.Module> {
  compiled ??= moduleBytes().then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

/**
 * The SHA-256 named by `impl`, or when absent the default: the WASM core (with
 * WebCrypto for large one-shot inputs), falling back to @noble/hashes with the
 * reason logged if the module does not load.
 */
export function loadSha256(
  impl?: Sha256Impl,
  logger: Pick<Logger, "warn"> = console,
): Promise<Sha256> {
  return selectSha256(impl, loadSha256Module, logger);
}
