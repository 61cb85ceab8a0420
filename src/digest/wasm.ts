/**
 * The WebAssembly SHA-256 core (source: wasm/assembly/sha256.ts). It takes a
 * compiled `WebAssembly.Module` from the runtime's loader and touches no files.
 *
 * One instance holds one hashing state in linear memory. Streams take turns:
 * the stream whose state is in memory is "live"; when another stream (or a
 * one-shot `hash`) needs the instance, the live state (STATE_SIZE bytes) is
 * saved into its owner and the newcomer's is restored. Any number of streams
 * can be interleaved, none needs freeing, and a stream used alone never swaps.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { ImgverifyError } from "../errors.ts";
import { assertBytes, assertOpen } from "./guard.ts";
import type { DigestErrorCode, Sha256, Sha256Stream } from "./types.ts";

interface CoreExports {
  memory: WebAssembly.Memory;
  STATE: WebAssembly.Global;
  STATE_SIZE: WebAssembly.Global;
  DIGEST: WebAssembly.Global;
  INPUT: WebAssembly.Global;
  INPUT_SIZE: WebAssembly.Global;
  init(): void;
  update(length: number): void;
  final(): void;
}

const globalNames = ["STATE", "STATE_SIZE", "DIGEST", "INPUT", "INPUT_SIZE"] as const;
const functionNames = ["init", "update", "final"] as const;

function invalid(problem: string, cause?: unknown): ImgverifyError<DigestErrorCode> {
  return new ImgverifyError<DigestErrorCode>(
    "DIGEST_WASM_INVALID",
    `the SHA-256 WebAssembly module ${problem}`,
    { cause },
  );
}

function coreExports(instance: WebAssembly.Instance): CoreExports {
  const exports = instance.exports;
  const missing = [
    ...(exports.memory instanceof WebAssembly.Memory ? [] : ["memory"]),
    ...globalNames.filter((name) => !(exports[name] instanceof WebAssembly.Global)),
    ...functionNames.filter((name) => typeof exports[name] !== "function"),
  ];
  if (missing.length > 0) throw invalid(`lacks the exports ${missing.join(", ")}`);
  return exports as unknown as CoreExports;
}

class WasmCore {
  readonly #exports: CoreExports;
  readonly #memory: Uint8Array;
  /** The live state's bytes in linear memory. */
  readonly #state: Uint8Array;
  readonly #input: number;
  readonly #inputSize: number;
  readonly #digest: number;
  #live: WasmStream | undefined;

  constructor(exports: CoreExports) {
    this.#exports = exports;
    // The module never grows its memory, so this view stays valid.
    this.#memory = new Uint8Array(exports.memory.buffer);
    const state = exports.STATE.value as number;
    this.#state = this.#memory.subarray(state, state + (exports.STATE_SIZE.value as number));
    this.#input = exports.INPUT.value as number;
    this.#inputSize = exports.INPUT_SIZE.value as number;
    this.#digest = exports.DIGEST.value as number;
  }

  /** Puts `owner`'s state in linear memory (a fresh one for a new stream or a one-shot). */
  claim(owner: WasmStream | undefined): void {
    const live = this.#live;
    if (owner !== undefined && live === owner) return;
    if (live !== undefined) {
      live.saved ??= new Uint8Array(this.#state.length);
      live.saved.set(this.#state);
    }
    if (owner?.saved) this.#state.set(owner.saved);
    else this.#exports.init();
    this.#live = owner;
  }

  /** Copies `data` into linear memory, a window at a time, and hashes it there. */
  absorb(data: Uint8Array): void {
    const { update } = this.#exports;
    // The common case, one window, without making a view.
    if (data.length <= this.#inputSize) {
      this.#memory.set(data, this.#input);
      update(data.length);
      return;
    }
    for (let offset = 0; offset < data.length; offset += this.#inputSize) {
      const window = data.subarray(offset, offset + this.#inputSize);
      this.#memory.set(window, this.#input);
      update(window.length);
    }
  }

  /** Pads the live message and returns its digest; the state is spent. */
  finish(): Uint8Array {
    this.#exports.final();
    this.#live = undefined;
    return this.#memory.slice(this.#digest, this.#digest + 32);
  }

  hash(data: Uint8Array): Uint8Array {
    this.claim(undefined);
    this.absorb(data);
    return this.finish();
  }
}

class WasmStream implements Sha256Stream {
  /** Where this stream's state waits while another one is live; made at the first swap. */
  saved: Uint8Array | undefined;
  readonly #core: WasmCore;
  #finished = false;

  constructor(core: WasmCore) {
    this.#core = core;
  }

  update(chunk: Uint8Array): void {
    assertOpen(this.#finished, "wasm", "update");
    assertBytes(chunk, "wasm");
    this.#core.claim(this);
    this.#core.absorb(chunk);
  }

  digest(): Uint8Array {
    assertOpen(this.#finished, "wasm", "digest");
    this.#finished = true;
    this.#core.claim(this);
    return this.#core.finish();
  }
}

/** SHA-256("abc") from FIPS 180-2 appendix B.1: a module that gets it wrong is refused. */
const ABC_DIGEST = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/** Instantiates the SHA-256 module; rejects with `DIGEST_WASM_INVALID` when it is unusable. */
export async function createWasmSha256(module: WebAssembly.Module): Promise<Sha256> {
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, {});
  } catch (err) {
    throw invalid(`does not instantiate: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const core = new WasmCore(coreExports(instance));
  if (bytesToHex(core.hash(new TextEncoder().encode("abc"))) !== ABC_DIGEST) {
    throw invalid('fails its self-test (SHA-256 of "abc")');
  }
  return {
    impl: "wasm",
    stream: () => new WasmStream(core),
    async hash(data) {
      assertBytes(data, "wasm");
      return core.hash(data);
    },
  };
}
