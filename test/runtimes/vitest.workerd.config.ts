/**
 * The unit tests and the registry smoke test inside workerd (the Cloudflare
 * Workers runtime), through @cloudflare/vitest-pool-workers; test/runtimes/run.sh
 * runs it. Project names match vitest.config.ts so `--project unit` means the
 * same files everywhere.
 *
 * The runtime settings (compatibility date and flags, module rules such as
 * `*.wasm` -> CompiledWasm) come from wrangler.toml, so the tests see what the
 * Worker will see. The Worker entry (`main`) is left out on purpose: the tests
 * import the core directly and need no `SELF`.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { matrixContext } from "./matrix-env.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const { workerOptions } = unstable_getMiniflareWorkerOptions(`${repoRoot}wrangler.toml`);
const provide = matrixContext(process.env);

// workerd cannot compile WebAssembly from bytes (and has no files to read them
// from): it imports the .wasm as a module. Tests load the SHA-256 core through
// the file loader; here they get the Worker's loader, which has the same exports.
const sha256Loader = {
  find: /^.*\/runtime\/sha256-file\.ts$/,
  replacement: `${repoRoot}src/runtime/worker/sha256-worker.ts`,
};

// Unit tests that cannot run in a Worker, each for a reason that is not a bug.
// Listed at every run, so an exclusion is never silent.
const notInWorkers: Record<string, string> = {
  "test/unit/cli/docker-config.test.ts":
    "src/runtime/docker-config.ts reads real files; the CLI runs on Node, Bun and Deno, " +
    "and a Worker has no file system",
  "test/unit/deploy/**":
    "checks the repository's Dockerfile and deploy/ manifests, files a Worker cannot read; " +
    "they are the same files on every runtime",
  "test/unit/house/**":
    "reads the source tree to check the import floors, files a Worker cannot read; " +
    "the tree is the same on every runtime",
  "test/unit/digest/wasm-build.test.ts":
    "rebuilds the module with the AssemblyScript compiler and compiles WebAssembly from " +
    "bytes, which workerd refuses",
};
for (const [file, reason] of Object.entries(notInWorkers)) {
  console.log(`workerd: not running ${file}: ${reason}`);
}

function workerdProject(
  name: string,
  test: { include: string[]; exclude?: string[]; testTimeout?: number },
): TestProjectInlineConfiguration {
  return {
    plugins: [cloudflareTest({ miniflare: workerOptions })],
    resolve: { alias: [sha256Loader] },
    test: {
      name,
      root: repoRoot,
      provide,
      // One workerd runs every file in turn: a fresh runtime per file costs about
      // a second each, and the tests keep no state between files.
      isolate: false,
      maxWorkers: 1,
      ...test,
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      workerdProject("unit", {
        include: ["test/unit/**/*.test.ts"],
        exclude: Object.keys(notInWorkers),
      }),
      workerdProject("registry-smoke", {
        include: ["test/registry-smoke/**/*.test.ts"],
        testTimeout: 30_000,
      }),
    ],
  },
});
