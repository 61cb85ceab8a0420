/**
 * Seeded signed images verify through the latency proxy: cosign `.sig`
 * signatures and `.att` attestations with each seeded key, and Sigstore
 * bundle referrers with the local log's trusted root, by the API and the CLI.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prepareTrustMaterial } from "../../../src/engine/checks/index.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import type { RegistryInfo } from "../../support/context.ts";
import { type Proxy, startProxy } from "../../support/proxy.ts";
import {
  COSIGN_VULN,
  CYCLONEDX_BOM,
  type SeededSignedImages,
  SLSA_PROVENANCE,
  seedSignedImages,
} from "../../support/seed-signed.ts";
import {
  dockerConfigDir,
  imgverify,
  productionTrust,
  registryFlags,
  verifyWithApi,
} from "../verify/support.ts";

const registries = inject("registries");
const TYPES = [SLSA_PROVENANCE, CYCLONEDX_BOM, COSIGN_VULN];
const dir = makeTempDir("seed-signed");
afterAll(() => removeTempDir(dir));

/** `reference` (at the registry) as pulled through `proxy`. */
function throughProxy(reference: string, registry: RegistryInfo, proxy: Proxy): string {
  return `${proxy.host}${reference.slice(registry.host.length)}`;
}

describe.each(["anonymous", "token"] as const)(
  "signed images seeded into the %s registry",
  (mode) => {
    const registry = registries[mode];
    let seeded: SeededSignedImages;
    let proxy: Proxy;
    let proxied: RegistryInfo;

    beforeAll(async () => {
      seeded = await seedSignedImages(registry, {
        images: 3,
        signers: 2,
        attestations: TYPES,
        bundles: true,
      });
      proxy = await startProxy({ target: registry.url, latencyMs: 10 });
      proxied = { ...registry, host: proxy.host, url: proxy.url };
    });
    afterAll(() => proxy?.close());

    it("returns one image per request, with distinct repositories and digests", () => {
      expect(seeded.images).toHaveLength(3);
      expect(new Set(seeded.images.map((i) => i.digest)).size).toBe(3);
      expect(seeded.images[0]?.reference).toMatch(
        new RegExp(`^${registry.host}/seed/signed-[0-9a-f]{8}-1:v1$`),
      );
      const names = seeded.keys.map((k) => k.name);
      expect(names).toEqual(["signer-1", "signer-2", "bundle"]);
      expect(JSON.parse(seeded.trustedRootJson ?? "{}")).toMatchObject({ tlogs: [{}] });
    });

    it("verifies each signer's signature and all attestation types through the proxy", async () => {
      for (const key of seeded.keys.filter((k) => k.name !== "bundle")) {
        for (const image of seeded.images) {
          proxy.reset();
          const verdict = await verifyWithApi(
            proxied,
            throughProxy(image.reference, registry, proxy),
            {
              policy: {
                signer: { kind: "keys", keys: [key.publicKeyPem] },
                trust: productionTrust(),
                requireTlog: false,
                requireSct: true,
              },
              signature: true,
              attestations: TYPES,
              formats: ["cosign"],
            },
          );
          expect(verdict).toMatchObject({ verified: true, digest: image.digest });
          expect(verdict.attestations.map((a) => a.predicateType).sort()).toEqual(
            [...TYPES].sort(),
          );
          await proxy.settled();
          expect(proxy.stats().requests).toBeGreaterThan(0);
        }
      }
    });

    it("does not verify with a key that did not sign", async () => {
      const [image] = seeded.images;
      const stranger = await seedSignedImages(registry, { images: 1, signers: 1 });
      const verdict = await verifyWithApi(
        proxied,
        throughProxy(image?.reference ?? "", registry, proxy),
        {
          policy: {
            signer: { kind: "keys", keys: [stranger.keys[0]?.publicKeyPem ?? ""] },
            trust: productionTrust(),
            requireTlog: false,
            requireSct: true,
          },
          signature: true,
          attestations: [],
          formats: ["cosign"],
        },
      );
      expect(verdict).toMatchObject({ verified: false, error: { code: "SIGNATURE_INVALID" } });
    });

    it("verifies with the CLI's --key through the proxy", async () => {
      const [image] = seeded.images;
      const keyPath = join(dir, `${mode}-signer-2.pub`);
      writeFileSync(keyPath, seeded.keys[1]?.publicKeyPem ?? "");
      const reference = throughProxy(image?.reference ?? "", registry, proxy);
      proxy.reset();
      const { code, stdout, stderr } = await imgverify(
        [
          "verify",
          ...registryFlags(proxied),
          "--key",
          keyPath,
          "--insecure-ignore-tlog",
          "--attestation-type",
          SLSA_PROVENANCE,
          reference,
        ],
        dockerConfigDir(dir, proxied),
      );
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(stdout).toContain(`Verified ${reference}`);
      await proxy.settled();
      expect(proxy.log.some((r) => r.path.endsWith(`.att`) && r.status === 200)).toBe(true);
    });

    it("verifies the bundle referrers with the local log's root", async () => {
      const bundleKey = seeded.keys.find((k) => k.name === "bundle");
      const trust = prepareTrustMaterial(JSON.parse(seeded.trustedRootJson ?? "{}"));
      for (const image of seeded.images) {
        const verdict = await verifyWithApi(
          proxied,
          throughProxy(image.reference, registry, proxy),
          {
            policy: {
              signer: { kind: "keys", keys: [bundleKey?.publicKeyPem ?? ""] },
              trust,
              requireTlog: true,
              requireSct: true,
            },
            signature: true,
            attestations: TYPES,
            formats: ["bundle"],
          },
        );
        expect(verdict).toMatchObject({ verified: true, digest: image.digest });
        expect(verdict.signatures).toEqual([expect.objectContaining({ format: "bundle" })]);
        expect(verdict.attestations).toHaveLength(3);
      }
    });
  },
);
