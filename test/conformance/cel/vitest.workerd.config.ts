/**
 * The CEL conformance run inside workerd (the Cloudflare Workers runtime),
 * with the Worker's own settings from wrangler.toml:
 *   npx vitest run --config test/conformance/cel/vitest.workerd.config.ts
 * The test data are modules, so nothing is handed over from Node.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const { workerOptions } = unstable_getMiniflareWorkerOptions(`${repoRoot}wrangler.toml`);

export default defineConfig({
  plugins: [cloudflareTest({ miniflare: workerOptions })],
  test: {
    root: repoRoot,
    include: ["test/conformance/cel/*.test.ts"],
    testTimeout: 60_000,
  },
});
