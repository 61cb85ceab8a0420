/** The Worker's bindings read under serve's IMGVERIFY_* names and rules. */
import { describe, expect, it } from "vitest";
import { systemClock } from "../../../src/deps.ts";
import { workerSettings } from "../../../src/runtime/worker/worker-settings.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const TOKEN = "worker-token-0123456789abcdef";
const settings = (bindings: Record<string, unknown>) =>
  workerSettings(bindings, systemClock, quiet);

describe("workerSettings", () => {
  it("reads vars and secrets, ignoring bindings that are not text", async () => {
    const read = await settings({
      IMGVERIFY_AUTH_TOKEN: TOKEN,
      IMGVERIFY_INSECURE_REGISTRIES: "registry.internal:5000, 10.0.0.8",
      IMGVERIFY_TIMEOUT: "8s",
      IMGVERIFY_CACHE_TTL: "10m",
      IMGVERIFY_VERIFY_API: "on",
      IMGVERIFY_REGISTRY_CONFIG_JSON: '{"auths":{}}',
      IMGVERIFY_LOG_LEVEL: "warn",
      IMGVERIFY_CACHE: { get() {} },
    });
    expect(read).toMatchObject({
      insecureRegistries: ["registry.internal:5000", "10.0.0.8"],
      timeoutMs: 8_000,
      cache: { ttlMs: 600_000 },
      verifyApi: { anyImage: false, inlinePolicy: false },
      registryConfigJson: '{"auths":{}}',
      logLevel: "warn",
    });
    expect(read.auth.mode).toBe("bearer");
  });

  it("refuses to run without caller authentication", async () => {
    await expect(settings({})).rejects.toThrow(/without caller authentication/);
    expect((await settings({ IMGVERIFY_ALLOW_UNAUTHENTICATED: "on" })).auth.mode).toBe(
      "unauthenticated",
    );
  });

  it("refuses names the Worker does not read, serve-only ones included", async () => {
    await expect(settings({ IMGVERIFY_AUTH_TOKEN: TOKEN, IMGVERIFY_PORT: "8443" })).rejects.toThrow(
      /unknown environment variable IMGVERIFY_PORT: the Worker reads .*IMGVERIFY_REGISTRY_CONFIG_JSON/,
    );
    await expect(
      settings({ IMGVERIFY_AUTH_TOKEN: TOKEN, IMGVERIFY_TIMEOUT: "soon" }),
    ).rejects.toThrow(/IMGVERIFY_TIMEOUT/);
  });
});
