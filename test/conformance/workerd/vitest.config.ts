/**
 * The conformance cases inside workerd (the Cloudflare Workers runtime):
 *   npx vitest run --config test/conformance/workerd/vitest.config.ts
 * The cases are read here, on Node, and handed to the Worker as provided data
 * (a Worker has no files). workerd's node:crypto, like Deno's, has no default
 * digest for `crypto.verify`, so the core runs as a bundle with `crypto`
 * aliased to the shim that adds it, as a Worker build does with wrangler's
 * `[alias]`.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { bundleWithCryptoShim } from "../crypto-shim-bundle.ts";
import { findCorpora, loadCases } from "../load-cases.ts";
import { encodeCases } from "./provided-cases.ts";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const corpora = findCorpora(process.env);
// The case-driving core, built with the crypto alias; the test imports it by this name.
const shimmedCore = `${repoRoot}node_modules/.cache/imgverify/conformance-core.workerd.mjs`;
await bundleWithCryptoShim(new URL("../core.ts", import.meta.url), shimmedCore);

export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: { compatibilityDate: "2026-04-20", compatibilityFlags: ["nodejs_compat"] },
    }),
  ],
  resolve: { alias: { "imgverify-conformance-core": shimmedCore } },
  test: {
    root: repoRoot,
    include: ["test/conformance/workerd/*.test.ts"],
    testTimeout: 120_000,
    provide: {
      conformanceCases: corpora ? encodeCases(await loadCases(corpora.casesDir)) : [],
      tufSeeds: corpora ? await readFile(corpora.tufSeeds, "utf8") : "",
    },
  },
});
