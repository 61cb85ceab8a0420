import { defineConfig } from "vitest/config";
import { matrixContext } from "./test/runtimes/matrix-env.ts";

// The same projects run on Bun and Deno too (test/runtimes/run.sh); workerd has
// its own config in test/runtimes/vitest.workerd.config.ts.
const provide = matrixContext(process.env);

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          provide,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Concurrent load with registry faults, alone: its deadlines measure the webhook,
        // not the other suites sharing this machine's cores (test/run.sh's own stage).
        test: {
          name: "load",
          include: ["test/load/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Misbehaving registries against the real CLI and webhook (test/hostile/).
        test: {
          name: "hostile",
          include: ["test/hostile/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Needs the registry run.sh starts (IMGVERIFY_TEST_REGISTRY...); skipped without one.
        test: {
          name: "registry-smoke",
          include: ["test/registry-smoke/**/*.test.ts"],
          environment: "node",
          provide,
          testTimeout: 30_000,
        },
      },
    ],
  },
});
