/**
 * What the shared-cache suite admits and how its replicas are configured:
 * signed and attested images and an unsigned one, seeded straight into the
 * registry (so seeding is not counted), every reference through the proxy;
 * the policy demanding the signature and three attestations by the seeding
 * key; and the key that seals shared values.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pushImage } from "../test/support/images.ts";
import { seedSignedImages } from "../test/support/seed-signed.ts";
import { policyDoc } from "../test/unit/engine/core/world.ts";
import { evidenceDigests } from "./evidence-requests.ts";
import type { BenchRegistry } from "./harness.ts";
import { PREDICATE_TYPES, verifyImagesEntry } from "./scenarios.ts";

export interface SharedCacheMaterial {
  /** Signed, admitted by tag before Redis goes down. */
  byTag: string;
  /** Signed, admitted by digest before Redis goes down. */
  byDigest: string;
  /** Signed, first admitted with Redis down. */
  unseen: string;
  unsigned: string;
  /** Digests of their `.sig`/`.att` manifests and blobs. */
  evidence: Set<string>;
  policyFile: string;
  cacheKeyFile: string;
}

/** Seeds the images straight into the registry, and writes the policy and the cache key. */
export async function prepareSharedCacheMaterial(
  { registry, proxy }: BenchRegistry,
  dir: string,
): Promise<SharedCacheMaterial> {
  const [seeded, unsigned] = await Promise.all([
    seedSignedImages(registry, {
      images: 3,
      attestations: PREDICATE_TYPES,
      repository: "bench/shared-cache",
    }),
    pushImage(registry, "bench/shared-cache-unsigned", "v1"),
  ]);
  const key = seeded.keys[0]?.publicKeyPem;
  const [tagged, pinned, unseen] = seeded.images;
  if (key === undefined || tagged === undefined || pinned === undefined || unseen === undefined) {
    throw new Error("seeding returned too few images");
  }
  const viaProxy = (reference: string): string => reference.replace(registry.host, proxy.host);
  const policyFile = join(dir, "policy.json");
  const policy = policyDoc({
    name: "signed-and-attested",
    entries: [verifyImagesEntry(proxy.host, [key], PREDICATE_TYPES)],
  });
  writeFileSync(policyFile, JSON.stringify(policy));
  const cacheKeyFile = join(dir, "cache.key");
  writeFileSync(cacheKeyFile, randomBytes(32).toString("hex"));
  return {
    byTag: viaProxy(tagged.reference),
    byDigest: `${proxy.host}/${pinned.repository}@${pinned.digest}`,
    unseen: viaProxy(unseen.reference),
    unsigned: viaProxy(unsigned.reference),
    evidence: await evidenceDigests(registry, seeded.images),
    policyFile,
    cacheKeyFile,
  };
}
