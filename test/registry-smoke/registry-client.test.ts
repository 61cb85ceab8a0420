/**
 * The OCI client against a real docker-registry, on whichever runtime
 * test/runtimes/run.sh launched, through that runtime's own `fetch`: a tag
 * resolves to the pushed digest and its manifest arrives intact, digested by
 * the runtime's WASM SHA-256. run.sh starts the registry and pushes the image
 * (test/runtimes/smoke-registry.ts); without it this file is skipped.
 */

import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, inject, it } from "vitest";
import { type Deps, silentLogger, systemClock } from "../../src/deps.ts";
import {
  formatRepository,
  isOciError,
  OCI_MANIFEST,
  parseReference,
  RegistryClient,
} from "../../src/oci/index.ts";
import { loadSha256 } from "../../src/runtime/sha256-file.ts";
import { detectRuntime } from "../runtimes/detect-runtime.ts";
import type { SmokeRegistry } from "../runtimes/matrix-env.ts";

const target = inject("imgverifySmokeRegistry");
const runtime = inject("imgverifyRuntime");

// The WASM core, loaded the way this runtime loads it (workerd: by the config's alias).
const sha256 = await loadSha256("wasm");

function clientFor(registry: SmokeRegistry): RegistryClient {
  const deps: Deps = {
    fetch: (request) => fetch(request),
    clock: systemClock,
    logger: silentLogger,
    sha256,
  };
  return new RegistryClient({ deps, insecureRegistries: [registry.host], timeoutMs: 10_000 });
}

/** The digest computed here with WebCrypto, independent of the client's SHA-256. */
async function webCryptoDigest(bytes: Uint8Array): Promise<string> {
  // A copy, to hand WebCrypto the ArrayBuffer-backed view its types ask for.
  const raw = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return `sha256:${bytesToHex(new Uint8Array(raw))}`;
}

function smoke(registry: SmokeRegistry): void {
  describe(`RegistryClient against docker-registry on ${runtime ?? "an unnamed runtime"}`, () => {
    it.runIf(runtime !== null)("runs on the runtime run.sh launched", () => {
      expect(detectRuntime()).toBe(runtime);
    });

    it("resolves the tag to the pushed digest", async () => {
      const descriptor = await clientFor(registry).resolve(parseReference(registry.reference));
      expect(descriptor.digest).toBe(registry.digest);
      expect(descriptor.mediaType).toBe(OCI_MANIFEST);
    });

    it("fetches the manifest by tag and by digest, byte for byte", async () => {
      const client = clientFor(registry);
      const byTag = await client.getManifest(parseReference(registry.reference));
      expect(byTag.descriptor.digest).toBe(registry.digest);
      expect(byTag.descriptor.size).toBe(byTag.bytes.byteLength);
      expect(await webCryptoDigest(byTag.bytes)).toBe(registry.digest);
      // The harness builds the image from one file: one layer.
      expect(byTag.manifest).toMatchObject({ schemaVersion: 2, layers: [expect.anything()] });

      const pinned = `${formatRepository(parseReference(registry.reference))}@${registry.digest}`;
      const byDigest = await client.getManifest(parseReference(pinned));
      expect(byDigest.bytes).toEqual(byTag.bytes);
    });

    it("reports a missing tag as NOT_FOUND", async () => {
      const missing = `${registry.reference}-missing`;
      const failure = await clientFor(registry)
        .resolve(parseReference(missing))
        .catch((err: unknown) => err);
      expect(isOciError(failure, "NOT_FOUND")).toBe(true);
    });
  });
}

if (target === null) {
  it.skip("needs the registry test/runtimes/run.sh starts (IMGVERIFY_TEST_REGISTRY)", () => {});
} else {
  smoke(target);
}
