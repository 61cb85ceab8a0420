/** The digest implementations imgverify carries; the CLI's `--impl` names. */
export type Sha256Impl = "wasm" | "noble" | "webcrypto";

/** An incremental SHA-256: `update` any number of times, then `digest` once. */
export interface Sha256Stream {
  update(chunk: Uint8Array): void;
  /** The 32-byte digest; the stream cannot be updated afterwards. */
  digest(): Uint8Array;
}

/** A SHA-256 implementation: streaming and one-shot behind one interface. */
export interface Sha256 {
  readonly impl: Sha256Impl;
  /** A fresh incremental hasher. WebCrypto cannot stream and throws `DIGEST_UNSUPPORTED`. */
  stream(): Sha256Stream;
  /** One-shot digest of `data`. */
  hash(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * `DIGEST_UNSUPPORTED`: the implementation cannot do this (WebCrypto cannot stream).
 * `DIGEST_WASM_INVALID`: the WebAssembly module does not instantiate or fails its self-test.
 * `DIGEST_STATE`: a stream was used after `digest()`.
 * `DIGEST_INPUT`: the input is not a `Uint8Array`.
 */
export type DigestErrorCode =
  | "DIGEST_UNSUPPORTED"
  | "DIGEST_WASM_INVALID"
  | "DIGEST_STATE"
  | "DIGEST_INPUT";
