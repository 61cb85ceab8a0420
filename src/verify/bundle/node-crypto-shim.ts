/**
 * node:crypto, with the one default some runtimes lack filled in.
 *
 * `@sigstore/core` checks DSSE envelopes, signed entry timestamps and log
 * checkpoints with `crypto.verify(undefined, data, key, signature)`, leaving
 * the digest to OpenSSL's default for the key: SHA-256 for EC and RSA keys,
 * none for Ed25519. Node and Bun have that default; Deno's and workerd's
 * node:crypto do not, and every such check fails there. Bundles built for
 * those runtimes alias the bare module name `crypto` (the one `@sigstore/core`
 * requires) to this file: esbuild `alias`, wrangler `[alias]`, Vite
 * `resolve.alias`. Node and Bun run without the alias. This is the one module
 * outside `src/runtime/` that imports a `node:` module, because it stands in
 * for one.
 */
import type { KeyObject } from "node:crypto";
import * as nodeCrypto from "node:crypto";

export * from "node:crypto";

type VerifyArgs = Parameters<typeof nodeCrypto.verify>;

/** `crypto.verify` with OpenSSL's default digest (SHA-256) where the caller names none. */
export function verify(
  algorithm: VerifyArgs[0],
  data: VerifyArgs[1],
  key: VerifyArgs[2],
  signature: VerifyArgs[3],
): boolean {
  return nodeCrypto.verify(algorithm ?? defaultDigest(key), data, key, signature);
}

function defaultDigest(key: VerifyArgs[2]): string | null {
  const type = (key as Partial<KeyObject>).asymmetricKeyType;
  return type === "ed25519" || type === "ed448" ? null : "sha256";
}

/** What `require("crypto")` yields through the alias (the CommonJS default). */
const cryptoWithDefaults: typeof nodeCrypto = { ...nodeCrypto, verify };
export default cryptoWithDefaults;
