/**
 * Test material from the shared corpora (IMGVERIFY_CORPORA, default
 * ../shared/corpora), and whether this runtime can run the Sigstore libraries
 * unbundled. Suites that need either say so loudly when they skip.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type PreparedTrustedRoot,
  prepareTrustedRoot,
} from "../../../../src/verify/trust/trusted-root.ts";
import { DEFAULT_IDENTITY, DEFAULT_ISSUER } from "../../../conformance/core.ts";

const root = resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora");

export const corporaPresent: boolean = existsSync(join(root, "sigstore-conformance"));

/**
 * Deno's and workerd's node:crypto have no default digest for `crypto.verify`,
 * which `@sigstore/core` relies on; there the verifier runs only from a bundle
 * with the crypto alias (test/conformance/deno.ts and workerd/ cover it).
 */
const globals = globalThis as { Deno?: unknown; navigator?: { userAgent?: string } };
export const libraryCryptoUsable: boolean =
  globals.Deno === undefined && globals.navigator?.userAgent !== "Cloudflare-Workers";

export const verifierTestsRun: boolean = corporaPresent && libraryCryptoUsable;

if (!corporaPresent) {
  console.warn(`SKIPPING bundle verification tests: no corpora at ${root} (set IMGVERIFY_CORPORA)`);
} else if (!libraryCryptoUsable) {
  console.warn(
    "SKIPPING bundle verification tests: this runtime's node:crypto lacks the default digest " +
      "(the conformance runs for Deno and workerd cover it through the crypto alias)",
  );
}

export function corpusBytes(path: string): Uint8Array {
  return readFileSync(join(root, path));
}

export function corpusText(path: string): string {
  return readFileSync(join(root, path), "utf8");
}

export function corpusJson(path: string): Record<string, unknown> {
  return JSON.parse(corpusText(path));
}

export function corpusTrustedRoot(path: string): PreparedTrustedRoot {
  return prepareTrustedRoot(corpusJson(path));
}

export const CONFORMANCE = "sigstore-conformance/test/assets/bundle-verify";
export const PRODUCTION_ROOT = "sigstore-js/derived/trusted_root.production.from-seeds.json";
/** The identity every conformance bundle without an `identity` file was signed as. */
export const CONFORMANCE_IDENTITY = { subject: DEFAULT_IDENTITY, issuer: DEFAULT_ISSUER };
