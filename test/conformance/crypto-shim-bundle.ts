/**
 * Builds a script into one ESM file with `@sigstore/core`'s `crypto` import
 * aliased to src/verify/bundle/node-crypto-shim.ts, for the runtimes whose
 * node:crypto lacks the default digest (Deno, workerd). Both resolve the
 * `require("crypto")` inside npm CommonJS packages themselves, past import
 * maps and Vite aliases, so only a bundler can apply the alias.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const SHIM = fileURLToPath(new URL("../../src/verify/bundle/node-crypto-shim.ts", import.meta.url));

export async function bundleWithCryptoShim(entry: URL, outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "warning",
    alias: { crypto: SHIM },
    // CommonJS code in the bundle still requires Node built-ins (util) by name.
    banner: {
      js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
    },
  });
}

/** Bundles `entry` into a temporary folder and imports it (Deno's way to run with the alias). */
export async function importWithCryptoShim(entry: URL): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "imgverify-shimmed-"));
  try {
    const outfile = join(dir, "bundle.mjs");
    await bundleWithCryptoShim(entry, outfile);
    await import(pathToFileURL(outfile).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
